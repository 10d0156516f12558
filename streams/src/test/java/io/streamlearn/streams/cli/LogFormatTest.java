package io.streamlearn.streams.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped logging configuration (src/main/resources/log4j2.xml), in a JVM of its own: text lines by
 * default, one ECS JSON object per line with {@code STREAMLEARN_LOG_FORMAT=json} or
 * {@code -Dstreamlearn.log.format=json}; stdout untouched either way.
 */
class LogFormatTest {

    /** Logs one WARN line with an exception, as a command would. */
    public static final class LogOnce {
        public static void main(String[] args) {
            LoggerFactory.getLogger("io.streamlearn.streams.Example").warn("Skipped record {} (\"{}\")", "events-0@3", "bad\nline",
                    new IllegalStateException("why"));
            LoggerFactory.getLogger("io.streamlearn.streams.Example").debug("not shown at INFO");
            System.out.println("stdout");
        }
    }

    private static String[] run(String env, String... jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=" + Path.of("target/classes/log4j2.xml").toAbsolutePath()));
        cmd.addAll(List.of(jvmArgs));
        cmd.add(LogOnce.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("STREAMLEARN_LOG_FORMAT");
        if (env != null) {
            pb.environment().put("STREAMLEARN_LOG_FORMAT", env);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        return new String[] {out, err};
    }

    @Test
    void shouldWriteTextLinesByDefault() throws Exception {
        String[] r = run(null);
        assertEquals("stdout\n", r[0]);
        String first = r[1].lines().findFirst().orElse("");
        assertTrue(first.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  \\[main] i\\.s\\.s\\.Example - Skipped record events-0@3 .*"), r[1]);
        assertFalse(r[1].startsWith("{"), r[1]);
    }

    @Test
    void shouldWriteOneEcsJsonObjectPerLineWhenAskedTo() throws Exception {
        for (String[] r : List.of(run("json"), run(null, "-Dstreamlearn.log.format=json"))) {
            assertEquals("stdout\n", r[0], "stdout stays the commands' own");
            List<String> lines = r[1].lines().toList();
            assertEquals(1, lines.size(), "one line per event, the stack trace inside it: " + r[1]);
            JsonNode j = new ObjectMapper().readTree(lines.get(0));
            assertEquals("WARN", j.path("log.level").asText());
            assertEquals("Skipped record events-0@3 (\"bad\nline\")", j.path("message").asText());
            assertEquals("io.streamlearn.streams.Example", j.path("log.logger").asText());
            assertEquals("main", j.path("process.thread.name").asText());
            assertEquals("streamlearn", j.path("service.name").asText());
            assertTrue(j.path("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), j.toString());
            assertEquals("java.lang.IllegalStateException", j.path("error.type").asText(), j.toString());
            assertTrue(j.path("error.stack_trace").asText().contains("LogOnce.main"), j.toString());
        }
    }
}
