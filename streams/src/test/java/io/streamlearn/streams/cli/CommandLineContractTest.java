package io.streamlearn.streams.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line as a user meets it, each case in its own JVM (so the real logging configuration,
 * exit codes and standard streams are what is checked): every command's help, and the bad invocations
 * of issue #15, each of which must print one line on stderr naming the file, option or host, without a
 * stack trace or Kafka client warnings.
 */
class CommandLineContractTest {

    private static final List<String> COMMANDS = List.of("run", "demo", "backtest", "replay", "broker", "export", "import");

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        String explain() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    static Run streamlearn(Path stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                // the shipped logging configuration, not a test one
                "-Dlog4j2.configurationFile=" + Path.of("target/classes/log4j2.xml").toAbsolutePath(),
                StreamlearnCommand.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path out = Files.createTempFile("cli-out", ".txt");
        Path err = Files.createTempFile("cli-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.redirectInput(stdin != null ? ProcessBuilder.Redirect.from(stdin.toFile()) : ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("streamlearn " + String.join(" ", args) + " did not end in 120 s");
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Test
    void everyCommandsHelpHasADescriptionAnExampleAndOptionsInOneOrderAndStyle() throws Exception {
        for (String c : COMMANDS) {
            Run r = streamlearn(null, c, "--help");
            String h = r.out;
            assertEquals(0, r.exit, c + ": " + r.explain());
            List<String> lines = h.lines().toList();
            int usageEnd = 0;
            while (lines.get(usageEnd).startsWith("Usage:") || lines.get(usageEnd).startsWith(" ")) {
                usageEnd++;
            }
            String summary = lines.get(usageEnd);
            assertTrue(summary.endsWith("."), c + ": the description opens with a sentence: " + summary);
            assertTrue(h.contains("\nExample:\n  ./streamlearn " + c + " "), c + ": one example:\n" + h);
            assertFalse(h.contains("Examples:"), c);

            // options: each described with sentences; the connection options first, --verbose/-h/-V last
            List<String> options = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            List<String> texts = new ArrayList<>();
            for (String line : lines.subList(lines.indexOf("Example:"), lines.size())) {
                if (line.matches("^  (-\\w, )?    --[a-z].*|^  -\\w, --.*")) {
                    if (!options.isEmpty()) {
                        texts.add(text.toString().strip());
                    }
                    String name = line.strip().replaceFirst("^-\\w, ", "").split("[= ]")[0];
                    options.add(name);
                    text = new StringBuilder(line.strip().replaceFirst("^(-\\w, )?--\\S+", ""));
                } else if (!options.isEmpty()) {
                    text.append(' ').append(line.strip());
                }
            }
            texts.add(text.toString().strip());
            assertEquals(List.of("--verbose", "--help", "--version"), options.subList(options.size() - 3, options.size()), c);
            if (options.contains("--bootstrap-servers")) {
                assertEquals(List.of("--bootstrap-servers", "--config", "--set", "--connect-timeout"), options.subList(0, 4), c);
            }
            for (int i = 0; i < options.size(); i++) {
                String t = texts.get(i);
                assertFalse(t.isEmpty(), c + " " + options.get(i) + " has no description");
                assertTrue(Character.isUpperCase(t.charAt(0)) && t.endsWith("."), c + " " + options.get(i) + ": '" + t + "'");
                assertFalse(t.contains("(default"), c + " " + options.get(i) + ": defaults read 'Default: X.': " + t);
            }
        }
    }

    /** One line on stderr, naming {@code what}, no stack trace, no log lines. */
    private static void assertOneLine(Run r, int exit, String what) {
        assertEquals(exit, r.exit, r.explain());
        List<String> lines = r.err.strip().lines().toList();
        assertEquals(1, lines.size(), "one line: " + r.explain());
        String line = lines.get(0);
        assertTrue(line.startsWith("streamlearn "), r.explain());
        assertTrue(line.contains(what), "names " + what + ": " + r.explain());
        assertFalse(line.contains("Exception") || line.contains(" WARN ") || line.contains("\tat "), r.explain());
    }

    @Test
    void aMissingConfigFileIsOneLineNamingIt() throws Exception {
        assertOneLine(streamlearn(null, "run", "--config", "nope.properties"), 2, "nope.properties");
        assertOneLine(streamlearn(null, "export", "--config", "nope.properties", "--output", "m.avro"), 2, "nope.properties");
    }

    @Test
    void anUnreachableBrokerIsOneLineNamingItAfterABoundedWait() throws Exception {
        long t0 = System.nanoTime();
        Run r = streamlearn(null, "export", "--bootstrap-servers", "127.0.0.1:1", "--output", dir.resolve("m.avro").toString(),
                "--connect-timeout", "2s");
        assertOneLine(r, 1, "127.0.0.1:1");
        assertTrue(r.err.contains("within 2s"), r.explain());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60), "bounded");
        assertFalse(Files.exists(dir.resolve("m.avro")));
        assertOneLine(streamlearn(null, "import", "--bootstrap-servers", "127.0.0.1:1", "--input", write("m.avro", "x"),
                "--connect-timeout", "500ms"), 2, "m.avro: not a file written by export");
        assertOneLine(streamlearn(null, "replay", "--bootstrap-servers", "127.0.0.1:1", "--from", "0", "--to", "1000",
                "--output-topic", "out", "--model", "sgd", "--connect-timeout", "PT0.5S"), 1, "127.0.0.1:1");
    }

    @Test
    void withVerboseTheStackTraceFollows() throws Exception {
        Run r = streamlearn(null, "export", "--bootstrap-servers", "127.0.0.1:1", "--output", dir.resolve("m.avro").toString(),
                "--connect-timeout", "500ms", "--verbose");
        assertEquals(1, r.exit, r.explain());
        assertTrue(r.err.contains("\tat "), r.explain());
        assertTrue(r.err.strip().lines().reduce((a, b) -> b).orElseThrow().contains("127.0.0.1:1"), r.explain());
    }

    @Test
    void aMissingInputFileIsOneLineNamingIt() throws Exception {
        assertOneLine(streamlearn(null, "backtest", "--input", "nope.csv", "--model", "sgd"), 2, "--input nope.csv: no such file");
        assertOneLine(streamlearn(null, "import", "--bootstrap-servers", "127.0.0.1:1", "--input", "nope.avro"), 2, "nope.avro");
    }

    @Test
    void badOptionsAreOneLineNamingTheOption() throws Exception {
        assertOneLine(streamlearn(null, "demo", "--timeout", "600"), 2, "--timeout");
        assertOneLine(streamlearn(null, "export", "--bootstrap-servers", "k:9092", "--output", "m.avro", "--timeout", "soon"), 2, "--timeout");
        assertOneLine(streamlearn(null, "backtest", "--input", "x.csv"), 2, "--model");
        assertOneLine(streamlearn(null, "run", "--no-such-option"), 2, "--no-such-option");
        assertOneLine(streamlearn(null, "run", "--model", "nosuchmodel", "--bootstrap-servers", "127.0.0.1:1"), 2, "nosuchmodel");
        assertOneLine(streamlearn(null, "export", "--output", "m.avro"), 2, "--bootstrap-servers");
        assertOneLine(streamlearn(null, "replay", "--bootstrap-servers", "127.0.0.1:1", "--from", "yesterday", "--to", "1000",
                "--output-topic", "out"), 2, "--from");
    }

    @Test
    void backtestReadsStandardInputLikeTheFile() throws Exception {
        StringBuilder csv = new StringBuilder("key,ts,label,x\n");
        for (int i = 0; i < 300; i++) {
            double x = (i * 37 % 101) / 10.0;
            csv.append("k").append(i % 3).append(',').append(1_700_000_000_000L + i * 1000L).append(',')
                    .append(2 * x + 1 + (i % 3)).append(',').append(x).append('\n');
        }
        Path file = dir.resolve("events.csv");
        Files.writeString(file, csv);
        Run fromFile = streamlearn(null, "backtest", "--input", file.toString(), "--model", "sgd", "--model", "kalman");
        Run fromStdin = streamlearn(file, "backtest", "--input", "-", "--model", "sgd", "--model", "kalman");
        assertEquals(0, fromFile.exit, fromFile.explain());
        assertEquals(0, fromStdin.exit, fromStdin.explain());
        assertTrue(fromFile.out.contains("kalman"), fromFile.explain());
        assertEquals(fromFile.out, fromStdin.out);
    }

    private String write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p.toString();
    }
}
