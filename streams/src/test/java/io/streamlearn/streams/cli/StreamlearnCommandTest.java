package io.streamlearn.streams.cli;

import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamlearnCommandTest {

    @TempDir
    Path dir;

    private static String help(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = StreamlearnCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        int code = cl.execute(args);
        assertEquals(0, code);
        return out.toString();
    }

    @Test
    void shouldExplainEverySubCommandWithAnExample() {
        for (String sub : List.of("run", "demo", "broker")) {
            String h = help(sub, "--help");
            assertTrue(h.contains("Example"), sub + ": " + h);
            assertTrue(h.contains("./streamlearn " + sub), sub + ": " + h);
        }
        String top = help("--help");
        for (String sub : List.of("run", "demo", "backtest", "broker")) {
            assertTrue(top.contains(sub), top);
        }
    }

    @Test
    void shouldTurnRunOptionsIntoSettingsOverTheFile() throws Exception {
        Path f = dir.resolve("a.properties");
        Files.writeString(f, "streamlearn.features=a,b\nstreamlearn.output.format=json\napplication.id=from-file\n");
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--config", f.toString(), "--model", "sgd:lr=0.5", "--model", "sgd:lr=0.05",
                "--application-id", "from-cli", "--guarantee", "at_least_once", "--set", "num.stream.threads=2",
                "--bootstrap-servers", "k:9092");
        AppConfig c = run.config();
        assertEquals(List.of("sgd:lr=0.5", "sgd:lr=0.05"), c.models(), "a SPEC's commas survive");
        assertEquals(List.of("a", "b"), c.featureSpace().names(), "from the file");
        assertEquals(WireFormat.JSON, c.outputFormat());
        assertEquals("from-cli", c.applicationId(), "the command line wins");
        assertEquals("at_least_once", c.processingGuarantee());
        assertEquals("2", c.kafkaSettings().get("num.stream.threads"));
        assertEquals("k:9092", run.resolvedSettings().get("bootstrap.servers"));
    }

    @Test
    void shouldTurnFeatureListsIntoAnOrderedSpace() throws Exception {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--features", "temp,load", "--output-format", "avro");
        assertEquals(List.of("temp", "load"), run.config().featureSpace().names());
    }

    @Test
    void shouldFailWithOneLineOnABadModel() {
        StringWriter err = new StringWriter();
        CommandLine cl = StreamlearnCommand.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("run", "--model", "nosuchmodel", "--bootstrap-servers", "k:1");
        assertEquals(2, code);
        assertTrue(err.toString().startsWith("streamlearn run: unknown model 'nosuchmodel'"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
}
