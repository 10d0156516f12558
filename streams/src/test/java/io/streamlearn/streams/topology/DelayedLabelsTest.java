package io.streamlearn.streams.topology;

import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Delayed labels on the {@code labels} topic, through the whole topology (in-memory stores). */
class DelayedLabelsTest {

    private static final long HOUR = 3_600_000L;

    @TempDir
    Path stateDir;

    private final SkippedRecords skipped = new SkippedRecords();
    private TopologyHarness harness;

    private void start() {
        AppConfig config = TopologyHarness.config("sgd:lr=0.5")
                .with(AppConfig.LABEL_HORIZON_KEY, "1h")
                .with(AppConfig.LABEL_SWEEP_INTERVAL_KEY, "10s");
        harness = new TopologyHarness(config, stateDir, skipped);
    }

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private List<Prediction> readPredictions() throws Exception {
        return harness.readPredictions();
    }

    private List<String> deadLetterReasons() throws Exception {
        return harness.readDeadLetters().stream().map(DeadLetter::getReason).toList();
    }

    private double count(String name, String tag, String value) {
        return harness.count(name, tag, value);
    }

    /** The next prediction (and version) of a key, from an unlabelled probe event. */
    private Prediction probe(String key, String id, long ts) throws Exception {
        harness.event(key, id, ts, 1, 1, null);
        List<Prediction> p = readPredictions();
        assertEquals(1, p.size());
        return p.get(0);
    }

    private KeyValueStore<String, byte[]> pendingStore() {
        return harness.pendingStore();
    }

    private List<String> pendingEntries() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = pendingStore().all()) {
            it.forEachRemaining(kv -> {
                if (kv.key.startsWith("e")) {
                    keys.add(kv.key.substring(1).replace('\u0000', '/'));
                }
            });
        }
        return keys;
    }

    @Test
    void shouldLearnFromLabelsArrivingOutOfOrderAsIfTheyHadBeenInline() throws Exception {
        start();
        // Key "late": three events, labels later and in reverse order. Key "inline": the same events, labels inline,
        // in the reverse order too, so the models see the same (features, label) sequence.
        harness.event("late", "e1", 1000, 1, 2, null);
        harness.event("late", "e2", 2000, 2, -1, null);
        harness.event("late", "e3", 3000, 0.5, 0.5, null);
        List<Prediction> first = readPredictions();
        assertEquals(List.of(0L, 0L, 0L), first.stream().map(Prediction::getVersion).toList(), "no label yet");
        harness.label("late", "e3", 5000, 4.0);
        harness.label("late", "e1", 5100, 1.0);
        harness.label("late", "e2", 5200, -2.0);
        harness.event("inline", "i3", 3000, 0.5, 0.5, 4.0);
        harness.event("inline", "i1", 1000, 1, 2, 1.0);
        harness.event("inline", "i2", 2000, 2, -1, -2.0);
        harness.predictions.readValuesToList();

        Prediction late = probe("late", "p1", 6000);
        Prediction inline = probe("inline", "p2", 6000);
        assertEquals(3L, late.getVersion(), "three labels learned");
        assertEquals(inline.getVersion(), late.getVersion());
        assertEquals(inline.getPrediction(), late.getPrediction(), 0.0,
                "a delayed label teaches exactly what the same label inline teaches");
        assertTrue(late.getPrediction() != 0.0, "the model moved");
        assertTrue(harness.deadLetters.isEmpty());
        assertEquals(3.0, count("streamlearn.labels", "outcome", "joined"));
    }

    @Test
    void shouldDeadLetterASecondLabelAndNeverLearnTwice() throws Exception {
        start();
        harness.event("a", "e1", 1000, 1, 2, null);
        harness.label("a", "e1", 2000, 3.0);
        harness.label("a", "e1", 2100, 3.0);
        harness.label("a", "e1", 2200, -7.0);
        assertEquals(List.of(LabelJoin.DUPLICATE, LabelJoin.DUPLICATE), deadLetterReasons());
        harness.predictions.readValuesToList();
        assertEquals(1L, probe("a", "p", 3000).getVersion(), "only the first label was learned");
        assertEquals(2.0, count("streamlearn.labels", "outcome", "duplicate-label"));
        assertEquals(1.0, count("streamlearn.labels", "outcome", "joined"));
        assertEquals(2, skipped.count(LabelJoin.DUPLICATE));
    }

    @Test
    void shouldDeadLetterLabelsOfUnknownEvents() throws Exception {
        start();
        harness.event("a", "e1", 1000, 1, 2, null);
        harness.event("a", "inl", 1100, 1, 2, 5.0);
        harness.label("a", "nope", 2000, 1.0);      // never seen
        harness.label("b", "e1", 2000, 1.0);        // e1 exists, but for key a
        harness.label("a", "inl", 2000, 1.0);       // carried its label inline
        assertEquals(List.of(LabelJoin.UNKNOWN, LabelJoin.UNKNOWN, LabelJoin.UNKNOWN), deadLetterReasons());
        harness.predictions.readValuesToList();
        assertEquals(1L, probe("a", "p", 3000).getVersion(), "only the inline label was learned");
        assertEquals(3.0, count("streamlearn.labels", "outcome", "unknown-event"));
        assertEquals(0.0, count("streamlearn.labels", "outcome", "joined"));
    }

    @Test
    void shouldExpireEventsPastTheHorizonThenForgetThem() throws Exception {
        start();
        long t0 = 10 * HOUR;
        harness.event("a", "old", t0, 1, 2, null);
        harness.event("a", "fresh", t0 + 30 * 60_000, 1, 2, null);
        // The clock moves to t0 + 1h + 1ms through another key's event: "old" is now past the 1h horizon, "fresh" is not.
        harness.event("b", "tick", t0 + HOUR + 1, 0, 0, null);
        harness.label("a", "old", t0 + HOUR + 1, 1.0);
        harness.label("a", "fresh", t0 + HOUR + 1, 1.0);
        assertEquals(List.of(LabelJoin.EXPIRED), deadLetterReasons(), "decided by event time, before any sweep");
        assertEquals(1.0, count("streamlearn.labels", "outcome", "expired"));

        // The sweep turns "old" into an expired marker (no features); a late label is still reported as expired.
        harness.driver.advanceWallClockTime(Duration.ofSeconds(11));
        byte[] marker = pendingStore().get(PendingLabels.entryKey("a", "old"));
        assertNotNull(marker);
        assertEquals(PendingLabels.Status.EXPIRED, PendingLabels.decode(marker).status());
        assertNull(PendingLabels.decode(marker).features(), "the features are dropped");
        harness.label("a", "old", t0 + HOUR + 2, 1.0);
        assertEquals(List.of(LabelJoin.EXPIRED), deadLetterReasons());

        // Past two horizons everything is forgotten: the entries and their index entries are gone.
        harness.event("b", "tock", t0 + 3 * HOUR, 0, 0, null);
        harness.driver.advanceWallClockTime(Duration.ofSeconds(11));
        assertEquals(List.of("b/tick", "b/tock"), pendingEntries(),
                "a's events are past two horizons; tick (1h59m old) is an expired marker, tock pending");
        assertEquals(PendingLabels.Status.EXPIRED, PendingLabels.decode(pendingStore().get(PendingLabels.entryKey("b", "tick"))).status());
        try (KeyValueIterator<String, byte[]> it = pendingStore().all()) {
            int index = 0;
            while (it.hasNext()) {
                String k = it.next().key;
                if (k.startsWith("h") || k.startsWith("x")) {
                    index++;
                }
            }
            assertEquals(2, index, "one index entry per remaining entry");
        }
        harness.label("a", "old", t0 + 3 * HOUR, 1.0);
        harness.label("a", "fresh", t0 + 3 * HOUR, 1.0);
        harness.label("b", "tick", t0 + 3 * HOUR, 1.0);
        assertEquals(List.of(LabelJoin.UNKNOWN, LabelJoin.UNKNOWN, LabelJoin.EXPIRED), deadLetterReasons());
        harness.predictions.readValuesToList();
        assertEquals(1L, probe("a", "p", t0 + 3 * HOUR).getVersion(), "exactly the one label in time was learned");
    }

    @Test
    void shouldKeepEachEventOnceAndNotOverwriteItWhenItIsSentAgain() throws Exception {
        start();
        harness.event("a", "e1", 1000, 1, 2, null);
        harness.label("a", "e1", 1500, 3.0);
        harness.event("a", "e1", 1000, 1, 2, null);   // the same event again (a producer retry)
        harness.label("a", "e1", 1600, 3.0);
        assertEquals(List.of(LabelJoin.DUPLICATE), deadLetterReasons());
        harness.predictions.readValuesToList();
        assertEquals(1L, probe("a", "p", 2000).getVersion());
    }

    @Test
    void shouldDeadLetterBadLabelRecordsWithTheirReason() throws Exception {
        start();
        harness.event("a", "e1", 1000, 1, 2, null);
        harness.labels.pipeInput("a", "{not json".getBytes(StandardCharsets.UTF_8));
        harness.label("b", "e1", 2000, 1.0);
        harness.labels.pipeInput("a", "{\"id\":\"e1\",\"key\":\"zzz\",\"ts\":2000,\"label\":1}".getBytes(StandardCharsets.UTF_8));
        List<String> reasons = deadLetterReasons();
        assertEquals(List.of("malformed-json", LabelJoin.UNKNOWN, ScoreEventsProcessor.KEY_MISMATCH), reasons);
        harness.label("a", "e1", 2100, 1.0);
        assertTrue(harness.deadLetters.isEmpty(), "the event is still pending and now learned");
        assertEquals(1.0, count("streamlearn.labels", "outcome", "joined"));
    }

    @Test
    void shouldCountInTheModelVersionExactlyTheLabelsLearned() throws Exception {
        start();
        int learned = 0;
        for (int i = 0; i < 50; i++) {
            harness.event("k", "e" + i, 1000 + i, i % 7, 1, i % 5 == 0 ? Double.valueOf(1.0) : null);
            if (i % 5 == 0) {
                learned++;
            }
        }
        for (int i = 49; i >= 0; i--) {
            if (i % 3 == 0) {
                harness.label("k", "e" + i, 5000 + i, 2.0);   // unknown-event for the inline-labelled ones
                if (i % 5 != 0) {
                    learned++;
                }
            }
        }
        harness.predictions.readValuesToList();
        assertEquals(learned, probe("k", "p", 9000).getVersion());
        assertEquals(learned - 10.0, count("streamlearn.labels", "outcome", "joined"));
    }
}
