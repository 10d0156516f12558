package io.streamlearn.streams.backtest;

import io.streamlearn.streams.app.Replay;
import io.streamlearn.streams.cli.StreamlearnCommand;
import org.junit.jupiter.api.Test;

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
}
