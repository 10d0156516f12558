package io.streamlearn.streams.score;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.StateCodec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upgrade that changes the default {@code kalman} (issue #13) keeps every stored key's model: a
 * store written by the earlier default (its states and its population-prior entries, under the
 * earlier fingerprint) is scored by the step of the new default as the adopted models predict, and
 * rewritten under the new fingerprint from the key's next update on.
 */
class ScoringStepUpgradeTest {

    private static final List<String> FEATURES = List.of("a", "b", "c");
    private static final PriorSettings PRIOR = new PriorSettings(true, 2, 16);

    @Test
    void shouldScoreAStoreOfTheEarlierDefaultWithTheAdoptedModels() {
        Learner now = Learners.model("kalman", FEATURES.size());
        Learner before = now.predecessor();
        assertNotNull(before);
        InMemoryModelStore store = new InMemoryModelStore();
        PopulationPriors earlierPriors = new PopulationPriors((PriorAware) before, before.fingerprint());
        SplittableRandom r = new SplittableRandom(17);
        List<ModelState> states = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            ModelState s = before.newState();
            double[] w = {1 + 0.1 * k, -2, 0.5};
            for (int t = 0; t < 60; t++) {
                double[] x = {r.nextGaussian(), 50 * r.nextGaussian(), r.nextDouble()};
                before.learn(s, x, 1_000L * t, w[0] * x[0] + w[1] * x[1] / 50 + w[2] * x[2] + 0.1 * r.nextGaussian());
            }
            store.put("key" + k, "kalman", StateCodec.encode(before, s));
            earlierPriors.contribute(store, "key" + k, "kalman", s);
            states.add(s);
        }
        assertEquals(5, earlierPriors.population(store, "kalman").keys());

        ScoringStep step = new ScoringStep(FeatureSpace.ordered(FEATURES), List.of("kalman"), PRIOR);
        Map<String, Double> f = Map.of("a", 0.3, "b", -40.0, "c", 0.7);
        double[] x = {0.3, -40.0, 0.7};
        for (int k = 0; k < 5; k++) {
            // what the new default predicts from the adopted state, computed apart from the step
            ModelState adopted = now.newState();
            StateCodec.decodeInto(now, store.get("key" + k, "kalman"), adopted);
            assertEquals(60, adopted.updates());
            Prediction expected = new Prediction();
            now.predict(adopted, x, 100_000L, expected);
            double[] got = new double[3];
            step.score("key" + k, 100_000L, f, 1.0, store, (model, champion, version, mean, stddev) -> {
                got[0] = mean;
                got[1] = stddev;
                got[2] = version;
            });
            assertEquals(expected.mean(), got[0], 0.0, "key" + k + ": the adopted model's prediction");
            assertEquals(expected.stddev(), got[1], 0.0);
            assertEquals(60, got[2], 0.0, "the key's version goes on from its update count");
            byte[] after = store.get("key" + k, "kalman");
            assertEquals(now.fingerprint(), StateCodec.fingerprint(after), "rewritten under the new default");
            assertEquals(61, StateCodec.updates(after));
        }
        // a new key starts from the population the earlier keys built
        PopulationPriors priors = new PopulationPriors((PriorAware) now, now.fingerprint(), before.fingerprint());
        assertEquals(5, priors.population(store, "kalman").keys(), "the earlier default's population is this one's");
        assertTrue(priors.prior(store, "kalman", 2) != null);
        double[] first = new double[1];
        step.score("new", 200_000L, f, 1.0, store, (model, champion, version, mean, stddev) -> first[0] = mean);
        Prediction fresh = new Prediction();
        now.predict(now.newState(), x, 200_000L, fresh);
        assertTrue(first[0] != fresh.mean(), "a new key starts from the population, not from zero weights");
        assertTrue(Double.isFinite(first[0]));
        assertNotNull(store.get("new", "kalman"));
    }
}
