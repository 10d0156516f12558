package io.streamlearn.streams.integration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code target/streamlearn.jar} configures Log4j without errors in both log formats: its merged plugin
 * cache knows {@code JsonTemplateLayout} (otherwise Log4j prints {@code main ERROR Console contains an
 * invalid element or attribute "JsonTemplateLayout"} at start).
 */
class ShadedJarLoggingIT {

    @TempDir
    Path dir;

    private String logOnce(Path jar, String format) throws Exception {
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

    @Test
    @Timeout(300)
    void shouldConfigureLog4jWithoutErrors() throws Exception {
        Path jar = ShadedJar.require();
        for (String format : List.of("text", "json")) {
            String stderr = logOnce(jar, format);
            assertFalse(stderr.contains("ERROR"), format + ": Log4j reports an error: " + stderr);
            assertFalse(stderr.contains("invalid element"), format + ": " + stderr);
            assertTrue(stderr.contains("probe message"), format + ": the line is logged: " + stderr);
        }
        String json = logOnce(jar, "json").strip();
        assertTrue(json.startsWith("{") && json.contains("\"service.name\":\"streamlearn\""), "JsonTemplateLayout's ECS line: " + json);
    }
}
