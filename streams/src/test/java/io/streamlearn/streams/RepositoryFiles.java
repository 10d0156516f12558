package io.streamlearn.streams;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files the tests read from the repository itself (never from outside it: a user's clone has nothing
 * beside it). Maven runs each module's tests in the module's directory; the repository root is the
 * nearest ancestor holding both {@code pom.xml} and {@code datasets/}.
 */
public final class RepositoryFiles {

    private RepositoryFiles() {
    }

    /** The repository's root directory. */
    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("datasets"))) {
                return p;
            }
        }
        throw new AssertionError("no repository root (a directory with pom.xml and datasets/) above " + dir);
    }

    /** A file of the repository's {@code datasets/} folder, which must exist. */
    public static Path dataset(String name) {
        Path p = root().resolve("datasets").resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new AssertionError("dataset " + name + " not found in " + p.getParent());
        }
        return p;
    }
}
