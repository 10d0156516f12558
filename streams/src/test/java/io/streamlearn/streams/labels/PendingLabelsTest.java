package io.streamlearn.streams.labels;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The bytes of a pending-store entry: with the published predictions, and as written before they were kept; the
 * sweep of a burst of expiring events, in bounded steps.
 */
class PendingLabelsTest {

    @Test
    void shouldSweepABurstOfExpiredEventsInBoundedStepsUntilAllAreExpiredAndThenDeleted() {
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("pending"),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        long horizon = 1_000;
        int limit = 1_000;
        PendingLabels pending = new PendingLabels(store, horizon, 64, limit); // as SWEEP_BATCH, SWEEP_LIMIT, smaller
        int burst = limit + 234; // all at one time: a flood of one timestamp
        for (int i = 0; i < burst; i++) {
            pending.add("k" + (i % 97), "e" + i, 5_000, Map.of("x", 1.0), null, null, 0);
        }
        pending.add("late", "e-late", 5_500, Map.of("x", 1.0), null, null, 0);
        pending.advanceClock(6_001); // past 5,000 + horizon, not past 5,500 + horizon

        assertEquals(limit, pending.sweep(), "one sweep handles at most SWEEP_LIMIT entries");
        assertEquals(234, pending.sweep(), "the next sweep goes on where the first stopped");
        assertEquals(0, pending.sweep());
        for (int i = 0; i < burst; i += 7) {
            assertEquals(PendingLabels.Status.EXPIRED, pending.get("k" + (i % 97), "e" + i).status(), "e" + i);
        }
        assertEquals(PendingLabels.Status.PENDING, pending.get("late", "e-late").status(), "not yet past the horizon");

        pending.advanceClock(7_001); // past 5,000 + 2 horizons: the markers go
        int swept = 0;
        for (int n; (n = pending.sweep()) > 0; ) {
            swept += n;
        }
        assertEquals(burst + 1, swept, "the burst's markers deleted, the late event expired");
        assertNull(pending.get("k0", "e0"));
        assertEquals(PendingLabels.Status.EXPIRED, pending.get("late", "e-late").status());
        store.close();
    }

    @Test
    void shouldKeepThePublishedPredictionsOfAPendingEvent() {
        Map<String, Double> x = new LinkedHashMap<>();
        x.put("a", 1.5);
        x.put("b", -2.0);
        byte[] b = PendingLabels.encode(PendingLabels.Status.PENDING, 1_700_000_000_000L, x,
                new String[] {"kalman", "sgd", "unused"}, new double[] {0.25, -3.5, 9.0}, 2);
        PendingLabels.Entry e = PendingLabels.decode(b);
        assertEquals(PendingLabels.Status.PENDING, e.status());
        assertEquals(1_700_000_000_000L, e.time());
        assertEquals(x, e.features());
        assertArrayEquals(new String[] {"kalman", "sgd"}, e.models());
        assertArrayEquals(new double[] {0.25, -3.5}, e.means());
    }

    @Test
    void shouldReadAPendingEntryWrittenBeforePredictionsWereKept() throws Exception {
        // the layout of the first release, written by hand: status 0, time, feature count, (name, value)...
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(0);
            out.writeLong(42L);
            out.writeInt(1);
            out.writeUTF("a");
            out.writeDouble(7.0);
        }
        PendingLabels.Entry e = PendingLabels.decode(bytes.toByteArray());
        assertEquals(PendingLabels.Status.PENDING, e.status());
        assertEquals(42L, e.time());
        assertEquals(Map.of("a", 7.0), e.features());
        assertNull(e.models(), "no published predictions: the label's error is predicted again");
        assertArrayEquals(bytes.toByteArray(), PendingLabels.encode(PendingLabels.Status.PENDING, 42L, Map.of("a", 7.0)));
    }

    @Test
    void shouldWriteNoPredictionsForALabelledMarker() {
        byte[] b = PendingLabels.encode(PendingLabels.Status.LABELLED, 5L, null, new String[] {"m"}, new double[] {1}, 1);
        PendingLabels.Entry e = PendingLabels.decode(b);
        assertEquals(PendingLabels.Status.LABELLED, e.status());
        assertNull(e.features());
        assertNull(e.models());
        assertEquals(9, b.length, "status byte and time only");
    }
}
