package io.streamlearn.streams.topology;

import io.streamlearn.streams.housekeeping.KeyLifecycle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.score.ScoringStep;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link StreamlearnMeters} the processors count into, through the whole topology (in-memory stores). */
class TopologyMetersTest {

    private static final String CHAMPION = "sgd:lr=0.1";
    private static final String SHADOW = "mean";

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StreamlearnMeters meters = new StreamlearnMeters(registry, 100);
    private final SkippedRecords skipped = new SkippedRecords();
    private TopologyHarness harness;
    private AppConfig config;

    private void start(Map<String, String> settings) {
        config = TopologyHarness.config(CHAMPION + ";" + SHADOW, settings);
        harness = new TopologyHarness(config, stateDir, skipped, () -> 1, meters);
    }

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private double counter(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shouldCountEventsPredictionsLabelsAndDeadLettersAndTrackThePrequentialError() throws Exception {
        start(Map.of());
        harness.event("k1", "e1", 1_000, 1, 2, 3.0);          // inline label: its error counts at once
        harness.event("k1", "e2", 2_000, 2, 1, null);         // pending, labelled below
        harness.event("k2", "e3", 2_000, 1, 1, null);         // pending, never labelled
        harness.event("k1", "e2b", 2_200, 1, 1, 4.0);         // inline: k1's model learns before e2's label comes
        harness.events.pipeInput("k3", "{".getBytes(StandardCharsets.UTF_8));
        harness.label("k1", "e2", 2_500, 5.0);                // joined
        harness.label("k1", "e2", 2_600, 5.0);                // duplicate-label
        harness.label("k1", "nope", 2_700, 1.0);              // unknown-event
        harness.labels.pipeInput("k1", "{".getBytes(StandardCharsets.UTF_8));   // invalid

        assertEquals(4.0, counter("streamlearn.events", "outcome", "scored"));
        assertEquals(1.0, counter("streamlearn.events", "outcome", "dead-letter"));
        assertEquals(4.0, counter("streamlearn.predictions", "model", CHAMPION, "role", "champion"));
        assertEquals(4.0, counter("streamlearn.predictions", "model", SHADOW, "role", "shadow"));
        assertEquals(0.0, counter("streamlearn.predictions", "role", "shadow", "model", CHAMPION));
        assertEquals(1.0, counter("streamlearn.labels", "outcome", "joined"));
        assertEquals(1.0, counter("streamlearn.labels", "outcome", LabelJoin.DUPLICATE));
        assertEquals(1.0, counter("streamlearn.labels", "outcome", LabelJoin.UNKNOWN));
        assertEquals(0.0, counter("streamlearn.labels", "outcome", LabelJoin.EXPIRED));
        assertEquals(1.0, counter("streamlearn.labels", "outcome", "invalid"));
        assertEquals(2.0, counter("streamlearn.dead.letters", "reason", "malformed-json"));
        assertEquals(1.0, counter("streamlearn.dead.letters", "reason", LabelJoin.DUPLICATE));
        assertEquals(1.0, counter("streamlearn.dead.letters", "reason", LabelJoin.UNKNOWN));

        Timer toOutput = registry.find("streamlearn.event.to.output").timer();
        assertEquals(4, toOutput.count(), "one per champion prediction");
        assertEquals(4, registry.find("streamlearn.processing").tag("route", "events").timer().count());
        assertEquals(1, registry.find("streamlearn.processing").tag("route", "labels").timer().count());

        // Reference: the published predictions (e1, e2, e3, e2b in order). e2's late label is measured against
        // what was published for e2, although k1's model learned e2b in between and now predicts e2 otherwise.
        List<Prediction> champion = harness.readPredictions();
        double p1 = champion.get(0).getPrediction();
        double p2 = champion.get(1).getPrediction();
        double p2b = champion.get(3).getPrediction();
        double mse = ((p1 - 3.0) * (p1 - 3.0) + (p2 - 5.0) * (p2 - 5.0) + (p2b - 4.0) * (p2b - 4.0)) / 3;
        double mae = (Math.abs(p1 - 3.0) + Math.abs(p2 - 5.0) + Math.abs(p2b - 4.0)) / 3;
        assertEquals(mse, gauge(CHAMPION, "mse"), 1e-12);
        assertEquals(mae, gauge(CHAMPION, "mae"), 1e-12);
        assertEquals(3, meters.modelError(CHAMPION).count());
        List<Prediction> challenger = harness.readShadowPredictions();
        double s1 = challenger.get(0).getPrediction();
        double s2 = challenger.get(1).getPrediction();
        double s2b = challenger.get(3).getPrediction();
        assertEquals(((s1 - 3.0) * (s1 - 3.0) + (s2 - 5.0) * (s2 - 5.0) + (s2b - 4.0) * (s2b - 4.0)) / 3,
                gauge(SHADOW, "mse"), 1e-12);
        assertTrue(mse > 0, "a fresh model does not predict its first labels exactly");
        // the model as it was when e2's label came (after e1 and e2b) predicts e2 otherwise than it was published
        ScoringStep atLabel = new ScoringStep(config.featureSpace(), List.of(CHAMPION, SHADOW));
        InMemoryModelStore atLabelStore = new InMemoryModelStore();
        atLabel.score("k1", 1_000, Map.of("x1", 1.0, "x2", 2.0), 3.0, atLabelStore, (m, c, v, mean, sd) -> { });
        atLabel.score("k1", 2_200, Map.of("x1", 1.0, "x2", 1.0), 4.0, atLabelStore, (m, c, v, mean, sd) -> { });
        double[] late = new double[1];
        atLabel.score("k1", 2_000, Map.of("x1", 2.0, "x2", 1.0), Double.NaN, atLabelStore, (m, c, v, mean, sd) -> {
            if (c) {
                late[0] = mean;
            }
        });
        assertTrue(Math.abs(late[0] - p2) > 1e-6, "the test needs e2's prediction to have changed by the label's time");

        // Predicting before learning a joined label changes nothing: the next prediction of k1 is the one of a step
        // that learned e1 and e2 without any sink.
        harness.event("k1", "e4", 3_000, 1, -1, null);
        double probe = harness.readPredictions().get(0).getPrediction();
        ScoringStep reference = new ScoringStep(config.featureSpace(), List.of(CHAMPION, SHADOW));
        InMemoryModelStore store = new InMemoryModelStore();
        ScoringStep.Sink ignore = (model, isChampion, version, mean, stddev) -> { };
        reference.score("k1", 1_000, Map.of("x1", 1.0, "x2", 2.0), 3.0, store, ignore);
        reference.score("k1", 2_200, Map.of("x1", 1.0, "x2", 1.0), 4.0, store, ignore);
        reference.learn("k1", 2_000, Map.of("x1", 2.0, "x2", 1.0), 5.0, store);
        double[] expected = new double[1];
        reference.score("k1", 3_000, Map.of("x1", 1.0, "x2", -1.0), Double.NaN, store,
                (model, isChampion, version, mean, stddev) -> {
                    if (isChampion) {
                        expected[0] = mean;
                    }
                });
        assertEquals(expected[0], probe, 0.0);
        assertTrue(probe != 0.0, "k1's model learned something");
    }

    @Test
    void shouldCountTtlEvictionsForgetsAndMaxKeysRefusals() {
        start(Map.of(AppConfig.KEY_TTL_KEY, "10s", AppConfig.MAX_KEYS_KEY, "4"));
        harness.event("old", "o1", 1_000, 1, 1, 1.0);         // two entries per key: one per model
        harness.event("fresh", "f1", 1_000, 1, 1, 1.0);
        harness.event("new", "n1", 1_500, 1, 1, 1.0);         // store full: refused
        assertEquals(1.0, counter("streamlearn.evictions", "cause", "max-keys"));
        assertEquals(1.0, counter("streamlearn.dead.letters", "reason", KeyLifecycle.MAX_KEYS));
        assertEquals(1.0, counter("streamlearn.events", "outcome", "dead-letter"));

        harness.event("fresh", "f2", 20_000, 1, 1, 2.0);      // clock 20 s: "old" is idle past the TTL
        harness.driver.advanceWallClockTime(config.labelSweepInterval());
        assertEquals(1.0, counter("streamlearn.evictions", "cause", "ttl"));

        harness.control("forget:fresh", "{}");
        harness.driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertEquals(1.0, counter("streamlearn.evictions", "cause", "forget"));
    }

    private double gauge(String model, String metric) {
        Gauge g = registry.find("streamlearn.model.error").tags("model", model, "metric", metric).gauge();
        return g.value();
    }
}
