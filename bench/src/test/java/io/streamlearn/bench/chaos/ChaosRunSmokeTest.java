package io.streamlearn.bench.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A short run of the chaos harness: one broker, two {@code streamlearn run} child processes, 6,000
 * events and their delayed labels at 250 records a second, an instance SIGKILLed every 4 to 8
 * seconds (its state directory wiped half of the time) and restarted. Every audit count must be 0.
 * The long run is written up in {@code bench/results/chaos.md}.
 */
class ChaosRunSmokeTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldLoseRepeatAndChangeNothingWhileInstancesAreKilled() throws Exception {
        ChaosRun.Options o = new ChaosRun.Options(6_000, 2, 1, 250, 4_000, 8_000, 0.5, 2_000, 4, 3, dir);
        ChaosRun.Summary s = ChaosRun.run(o, System.out);
        System.out.println(s);
        assertTrue(s.kills() >= 2, "instances were killed: " + s);
        assertEquals(s.kills(), s.restarts(), s.toString());
        assertEquals(s.audit().expectedPredictions(), s.audit().predictionsRead(), s.toString());
        assertEquals(0, s.audit().duplicated(), s.toString());
        assertEquals(0, s.audit().missing(), s.toString());
        assertEquals(0, s.audit().differing(), s.toString());
        assertEquals(0, s.audit().versionErrors(), s.toString());
        assertEquals(0, s.audit().deadLetters(), s.toString());
        assertEquals(0, s.audit().stateErrors(), s.toString());
        assertTrue(s.ok(), s.toString());
    }
}
