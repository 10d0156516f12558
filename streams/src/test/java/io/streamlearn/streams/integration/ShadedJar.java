package io.streamlearn.streams.integration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runnable jar the tests start as {@code streamlearn run} in a JVM of its own, checked to be at
 * least as new as the compiled classes. A test that runs one instance from {@code target/classes} and
 * another from the jar compares two builds when the jar is stale (built before the last compile, e.g.
 * by a run of the integration tests without the package phase): states written by one build that the
 * other cannot read are replaced by fresh ones without a word ({@code ScoringStep}'s replaced-states
 * counter), and a key's version goes back to 0 after a fail-over. That is the likeliest reading of the
 * one unexplained ScaleOutIT failure (version 23, then 0; bench/results/chaos.md).
 */
final class ShadedJar {

    private ShadedJar() {
    }

    /** {@code target/streamlearn.jar}, after asserting it exists and no class in {@code target/classes} is newer. */
    static Path require() throws IOException {
        Path jar = Path.of("target", "streamlearn.jar");
        assertTrue(Files.isRegularFile(jar), "the shaded jar is built in the package phase");
        FileTime built = Files.getLastModifiedTime(jar);
        Optional<Path> newer;
        try (Stream<Path> classes = Files.walk(Path.of("target", "classes"))) {
            newer = classes.filter(p -> p.toString().endsWith(".class")).filter(p -> {
                try {
                    return Files.getLastModifiedTime(p).compareTo(built) > 0;
                } catch (IOException e) {
                    return false;
                }
            }).findFirst();
        }
        assertTrue(newer.isEmpty(), "target/streamlearn.jar is older than " + newer.orElse(null)
                + ": it would run another build than this JVM; rebuild it (mvn package)");
        return jar;
    }
}
