package io.streamlearn.streams.topology;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.score.FutureTimes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One record dated far in the future must not wipe a task's pending labels and idle keys: the task's
 * event-time clock (the largest time processed) never goes back, so such a record is dead-lettered
 * ({@code future-timestamp}, {@code streamlearn.max-future}, default 1 h) instead of moving it. The
 * driver's wall clock starts at the real clock when it is built, so times are taken relative to a
 * {@code base} read just before.
 */
class FutureTimestampTopologyTest {

    private static final long YEAR = Duration.ofDays(365).toMillis();

    @TempDir
    Path stateDir;

    private TopologyHarness harness;

    private long start(Map<String, String> settings) {
        long base = System.currentTimeMillis();
        AppConfig config = TopologyHarness.config("kalman", settings).with(AppConfig.KEY_TTL_KEY, "1h");
        harness = new TopologyHarness(config, stateDir, new SkippedRecords(), () -> 1, StreamlearnMeters.noop());
        return base;
    }

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private boolean hasModel(String key) {
        return harness.modelStore().get(ModelStore.storeKey(key, "kalman")) != null;
    }

    @Test
    void shouldDeadLetterAFarFutureEventAndLabelAndKeepThePendingLabelsAndKeys() throws Exception {
        long base = start(Map.of());
        harness.event("waiting", "e1", base - 60_000, 1.0, 2.0, null);
        harness.event("busy", "e2", base - 50_000, 0.5, 1.0, 3.0);
        harness.event("evil", "e3", base + 10 * YEAR, 1.0, 1.0, 2.0);
        harness.label("busy", "e2", base + 10 * YEAR, 1.0);
        List<DeadLetter> dead = harness.readDeadLetters();
        assertEquals(2, dead.size(), dead.toString());
        for (DeadLetter d : dead) {
            assertEquals(FutureTimes.REASON, d.getReason().toString());
            assertTrue(d.getDetail().toString().contains("streamlearn.max-future=PT1H"), d.getDetail().toString());
        }
        assertEquals(2.0, harness.count("streamlearn.dead.letters", "reason", FutureTimes.REASON), 0.0);
        assertNull(harness.readPredictions().stream().filter(p -> p.getKey().toString().equals("evil")).findAny().orElse(null));
        assertTrue(!hasModel("evil"));

        // the clock stayed where the valid records put it: the waiting event's label still joins ...
        harness.label("waiting", "e1", base - 40_000, 4.0);
        assertEquals(List.of(), harness.readDeadLetters(), "no expired label");
        assertTrue(hasModel("waiting"), "the late label was learned");
        // ... and no key looks idle to the TTL sweep
        harness.driver.advanceWallClockTime(harness.config.labelSweepInterval());
        assertTrue(hasModel("busy"));
        assertTrue(hasModel("waiting"));

        // an event within the limit is scored
        harness.event("soon", "e4", base + Duration.ofMinutes(30).toMillis(), 1.0, 1.0, null);
        List<Prediction> predicted = harness.readPredictions();
        assertEquals("soon", predicted.get(predicted.size() - 1).getKey().toString());
        assertEquals(List.of(), harness.readDeadLetters());
    }

    /** Without the guard, the same record expires the pending label and evicts every key: what the guard prevents. */
    @Test
    void shouldLoseThePendingLabelsAndKeysToAFarFutureEventWithoutTheGuard() throws Exception {
        long base = start(Map.of(AppConfig.MAX_FUTURE_KEY, "0"));
        harness.event("waiting", "e1", base - 60_000, 1.0, 2.0, null);
        harness.event("busy", "e2", base - 50_000, 0.5, 1.0, 3.0);
        harness.event("evil", "e3", base + 10 * YEAR, 1.0, 1.0, 2.0);
        assertEquals(List.of(), harness.readDeadLetters(), "scored");
        harness.label("waiting", "e1", base - 40_000, 4.0);
        List<DeadLetter> dead = harness.readDeadLetters();
        assertEquals(1, dead.size());
        assertEquals(LabelJoin.EXPIRED, dead.get(0).getReason().toString());
        harness.driver.advanceWallClockTime(harness.config.labelSweepInterval());
        assertTrue(!hasModel("busy"), "evicted as idle by the clock in the future");
        assertNotNull(harness.modelStore().get(ModelStore.storeKey("evil", "kalman")));
    }
}
