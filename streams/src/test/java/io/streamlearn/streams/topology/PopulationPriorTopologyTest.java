package io.streamlearn.streams.topology;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Population;
import io.streamlearn.learn.Prior;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.StateCodec;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.score.PopulationPriors;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The population prior in the topology (issue #14): the task's population is an entry of its models
 * store, kept by the keys' contributions; a new key's first prediction comes from it; a key forgotten
 * on request or evicted by the TTL takes its contribution out at once.
 */
class PopulationPriorTopologyTest {

    private static final String MODEL = "kalman";

    @TempDir
    Path stateDir;

    private TopologyHarness harness;
    private KeyValueStore<String, byte[]> models;
    /** As the scoring step runs it: with calibrated intervals, whose levels the stored state carries. */
    private final Learner learner = Learners.model(MODEL, 2);

    private void start(Map<String, String> settings) {
        AppConfig config = TopologyHarness.config(MODEL, settings);
        harness = new TopologyHarness(config, stateDir, new SkippedRecords(), () -> 1, StreamlearnMeters.noop());
        models = harness.modelStore();
    }

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private Population population() {
        byte[] b = models.get(ModelStore.storeKey("\u0000population", MODEL));
        return b == null ? null : PopulationPriors.decode(b);
    }

    /** The standardized bank's count of events in its running feature scales, from the stored state. */
    private double scaledEvents(String key) {
        ModelState s = learner.newState();
        StateCodec.decodeInto(learner, models.get(ModelStore.storeKey(key, MODEL)), s);
        return learner.inspect(s).get("scaledEvents")[0];
    }

    /**
     * Independent reference: the population of the given keys' stored states, built from scratch, each
     * contribution rounded to float32 as its compact entry keeps it (issue #17).
     */
    private Population reference(List<String> keys) {
        PriorAware pa = (PriorAware) learner;
        Population p = Population.of(pa);
        double[] v = new double[pa.contributionLength()];
        double[] w = new double[Population.packedSize(v.length)];
        for (String k : keys) {
            ModelState s = learner.newState();
            StateCodec.decodeInto(learner, models.get(ModelStore.storeKey(k, MODEL)), s);
            double noise = (float) pa.contribute(s, v, w);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) v[i];
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) w[i];
            }
            p.add(v, w, noise);
        }
        return p;
    }

    /** Eight labelled events per key (contribution points 1, 2, 4, 8: the last contribution is the final state). */
    private List<String> feed(int keys, Random r, long ts) {
        List<String> names = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            String key = "k" + k;
            names.add(key);
            double w1 = 2 + 0.2 * r.nextGaussian();
            double w2 = -1 + 0.2 * r.nextGaussian();
            for (int j = 0; j < 8; j++) {
                double x1 = r.nextGaussian();
                double x2 = r.nextGaussian();
                harness.event(key, key + "-" + j, ts + j, x1, x2, w1 * x1 + w2 * x2 + 3 + 0.1 * r.nextGaussian());
            }
        }
        return names;
    }

    @Test
    void shouldStartANewKeyFromItsTasksPopulation() throws Exception {
        start(Map.of(AppConfig.PRIOR_MIN_KEYS_KEY, "5"));
        List<String> keys = feed(8, new Random(2), 1_000);
        Population pop = population();
        assertEquals(8, pop.keys());
        Population ref = reference(keys);
        assertArrayEquals(ref.prior().mean(), pop.prior().mean(), 1e-12);
        assertArrayEquals(ref.prior().covariance(), pop.prior().covariance(), 1e-12);
        harness.predictions.readValuesToList();

        // what GET /priors and GET /models/{key} read from the store
        List<io.streamlearn.streams.http.ModelQueries.PriorView> views = io.streamlearn.streams.http.StoreModelReader.priors(models, 0);
        assertEquals(1, views.size());
        assertEquals(MODEL, views.get(0).model());
        assertEquals(8, views.get(0).keys());
        assertArrayEquals(pop.prior().mean(), views.get(0).mean(), 0.0);
        io.streamlearn.streams.http.StoreModelReader reader = new io.streamlearn.streams.http.StoreModelReader(
                harness.config.featureSpace(), harness.config.models());
        assertEquals(List.of(MODEL), reader.models(models, "k1").stream().map(v -> v.model()).toList(),
                "the key's contribution entry is not listed as a model");
        assertEquals(keys.stream().sorted().toList(), reader.keys(models, "", 100).keys(),
                "neither the population nor the contributions are listed as keys");

        harness.event("newcomer", "n1", 5_000, 1.0, 1.0, null);
        Prediction first = WireCodec.decodePrediction(harness.predictions.readValuesToList().get(0));
        ModelState s = learner.newState();
        ((PriorAware) learner).startFrom(s, pop.prior());
        io.streamlearn.learn.Prediction expected = new io.streamlearn.learn.Prediction();
        learner.predict(s, new double[] {1, 1}, 5_000, expected);
        assertEquals(expected.mean(), first.getPrediction(), 0.0, "the first prediction comes from the task's prior");
        // 2 - 1 + 3 = 4 for the population's mean model; eight events per key leave the keys' posterior
        // means shrunk a little toward the default prior's zero weights
        assertEquals(4.0, first.getPrediction(), 0.5, "the population's mean model");
    }

    @Test
    void shouldKeepTheDefaultUntilEnoughKeysContributeOrWhenOff() throws Exception {
        start(Map.of(AppConfig.PRIOR_MIN_KEYS_KEY, "20"));
        feed(8, new Random(2), 1_000);
        harness.predictions.readValuesToList();
        harness.event("newcomer", "n1", 5_000, 1.0, 1.0, null);
        assertEquals(0.0, WireCodec.decodePrediction(harness.predictions.readValuesToList().get(0)).getPrediction(), 0.0,
                "8 keys < min-keys 20: the learner's default (zero weights)");
        // but the feature scales of the standardized bank come from the population from its first key on
        assertEquals(8.0, scaledEvents("k0"), "the first key learns its scales from its own 8 events");
        assertEquals(3.0 + 8.0, scaledEvents("k7"), "the population's scales count as 3 events, then 8 of its own");
        harness.close();
        harness = null;
        start(Map.of(AppConfig.PRIOR_KEY, "none"));
        feed(30, new Random(2), 1_000);
        assertNull(population(), "prior none: no population entry");
        assertEquals(8.0, scaledEvents("k1"), "prior none: every key learns its scales alone");
    }

    @Test
    void shouldTakeAForgottenKeysContributionOutAtOnce() {
        start(Map.of(AppConfig.PRIOR_MIN_KEYS_KEY, "5"));
        List<String> keys = feed(8, new Random(3), 1_000);
        double[] before = population().prior().mean();
        harness.control("forget:k0", "{}");
        harness.driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertNull(models.get(ModelStore.storeKey("k0", PopulationPriors.CONTRIBUTION + MODEL)));
        Population after = population();
        assertEquals(7, after.keys());
        Population ref = reference(keys.subList(1, keys.size()));
        assertArrayEquals(ref.prior().mean(), after.prior().mean(), 1e-12, "the mean of the 7 remaining keys");
        assertArrayEquals(ref.prior().covariance(), after.prior().covariance(), 1e-12);
        assertNotEquals(before[0], after.prior().mean()[0]);
    }

    @Test
    void shouldTakeAnEvictedKeysContributionOut() {
        start(Map.of(AppConfig.PRIOR_MIN_KEYS_KEY, "5", AppConfig.KEY_TTL_KEY, "10s"));
        feed(6, new Random(4), 1_000);
        List<String> late = new ArrayList<>();
        Random r = new Random(5);
        for (int k = 0; k < 3; k++) {
            String key = "late" + k;
            late.add(key);
            harness.event(key, key, 30_000, r.nextGaussian(), r.nextGaussian(), 1.0 + r.nextGaussian());
        }
        assertEquals(9, population().keys());
        harness.driver.advanceWallClockTime(harness.config.labelSweepInterval());
        Population after = population();
        assertEquals(3, after.keys(), "the six idle keys left the population with their states");
        Prior ref = reference(late).prior();
        assertArrayEquals(ref.mean(), after.prior().mean(), 1e-12);
    }
}
