package io.streamlearn.streams.backtest;

import io.streamlearn.streams.app.Replay;
import io.streamlearn.streams.cli.StreamlearnCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Argument checks of {@code streamlearn replay} that need no broker (the replay itself: ReplayIT). */
class ReplayCommandTest {

    private static int replay(String from, String to, String model) {
        return StreamlearnCommand.commandLine().execute("replay", "--bootstrap-servers", "127.0.0.1:1", "--topic", "events",
                "--from", from, "--to", to, "--model", model, "--output-topic", "out");
    }

    @Test
    void shouldRefuseAnEmptyOrBackwardRangeAndBadSpecsBeforeConnecting() {
        assertEquals(2, replay("2017-01-02T00:00:00Z", "2017-01-01T00:00:00Z", "sgd"));
        assertEquals(2, replay("1000", "1000", "sgd"));
        assertEquals(2, replay("yesterday", "1000", "sgd"));
        assertEquals(2, replay("0", "1000", "nosuchmodel"));
    }

    @Test
    void shouldReadTimesAsEpochMillisOrIsoInstants() {
        assertEquals(Instant.parse("2017-01-01T00:00:00Z").toEpochMilli(), Replay.parseTime(" 2017-01-01T00:00:00Z "));
        assertEquals(1234L, Replay.parseTime("1234"));
        assertThrows(IllegalArgumentException.class, () -> Replay.parseTime("soon"));
    }

    @Test
    void shouldTakeTheSettingsOfRunFromConfigAndSetAndRefuseBadOnesBeforeConnecting(@TempDir Path dir) throws Exception {
        String[] range = {"replay", "--bootstrap-servers", "127.0.0.1:1", "--from", "0", "--to", "1000", "--output-topic", "out"};
        // no --model and nothing that gives streamlearn.models
        assertEquals(2, StreamlearnCommand.commandLine().execute(range));
        // the models, the feature list and the mapping come from --set and --config, and are checked as run checks them
        assertEquals(2, StreamlearnCommand.commandLine().execute(with(range, "--set", "streamlearn.models=nosuchmodel")));
        assertEquals(2, StreamlearnCommand.commandLine().execute(with(range, "--model", "sgd",
                "--set", "streamlearn.input.feature=*")));
        Path config = dir.resolve("replay.properties");
        Files.writeString(config, "streamlearn.models=sgd\nstreamlearn.input.key=account..id\n");
        assertEquals(2, StreamlearnCommand.commandLine().execute(with(range, "--config", config.toString())));
        assertEquals(2, StreamlearnCommand.commandLine().execute(with(range, "--config", dir.resolve("missing").toString())));
    }

    private static String[] with(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }
}
