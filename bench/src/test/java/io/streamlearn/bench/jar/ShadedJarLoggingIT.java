package io.streamlearn.bench.jar;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code target/benchmarks.jar} (built in the package phase, hence an integration test) configures
 * Log4j without errors: its merged plugin cache knows the JSON layout of streams' log4j2.xml.
 */
class ShadedJarLoggingIT {

    @TempDir
    Path dir;

    /** Runs a one-line program that logs one INFO line, with the jar as its class path; returns its stderr. */
    static String logOnce(Path jar, Path dir, String format) throws IOException, InterruptedException {
        Path probe = dir.resolve("Probe.java");
        Files.writeString(probe, "public class Probe { public static void main(String[] a) {"
                + " org.apache.logging.log4j.LogManager.getLogger(\"io.streamlearn.probe\").info(\"probe message\"); } }\n");
        Path err = dir.resolve("stderr-" + format + ".txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Dstreamlearn.log.format=" + format, "-cp", jar.toString(), probe.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe finishes");
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), stderr);
        return stderr;
    }

    static void assertLogsCleanly(Path jar, Path dir) throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(jar), jar + " is built in the package phase");
        for (String format : List.of("text", "json")) {
            String stderr = logOnce(jar, dir, format);
            assertFalse(stderr.contains("ERROR"), format + ": Log4j reports an error: " + stderr);
            assertFalse(stderr.contains("invalid element"), format + ": " + stderr);
            assertTrue(stderr.contains("probe message"), format + ": the line is logged: " + stderr);
        }
        String json = logOnce(jar, dir, "json").strip();
        assertTrue(json.startsWith("{") && json.contains("\"service.name\":\"streamlearn\""), "JsonTemplateLayout's ECS line: " + json);
    }

    @Test
    @Timeout(300)
    void shouldConfigureLog4jWithoutErrors() throws Exception {
        assertLogsCleanly(Path.of("target", "benchmarks.jar"), dir);
    }
}
