package io.streamlearn.streams.score;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.StateCodec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * An upgrade that changes a default keeps every stored key's model: a store written by the earlier
 * {@code auto} (whose first default candidate was the isotropic {@code kalman}, issue #13) is scored by
 * the step of the new one as the adopted models predict, and rewritten under the new fingerprint from
 * the key's next update on.
 */
class ScoringStepUpgradeTest {

    private static final List<String> FEATURES = List.of("a", "b", "c");

    @Test
    void shouldScoreAStoreOfTheEarlierAutoWithTheAdoptedModels() {
        Learner now = Learners.model("auto", FEATURES.size());
        Learner before = now.predecessor();
        assertNotNull(before);
        InMemoryModelStore store = new InMemoryModelStore();
        SplittableRandom r = new SplittableRandom(17);
        for (int k = 0; k < 3; k++) {
            ModelState s = before.newState();
            for (int t = 0; t < 60; t++) {
                double[] x = {r.nextGaussian(), 50 * r.nextGaussian(), r.nextDouble()};
                before.learn(s, x, 1_000L * t, (1 + 0.1 * k) * x[0] - x[1] / 25 + 0.5 * x[2] + 0.1 * r.nextGaussian());
            }
            store.put("key" + k, "auto", StateCodec.encode(before, s));
        }
        ScoringStep step = new ScoringStep(FeatureSpace.ordered(FEATURES), List.of("auto"), PriorSettings.DEFAULT);
        Map<String, Double> f = Map.of("a", 0.3, "b", -40.0, "c", 0.7);
        double[] x = {0.3, -40.0, 0.7};
        for (int k = 0; k < 3; k++) {
            // what the new auto predicts from the adopted state, computed apart from the step
            ModelState adopted = now.newState();
            StateCodec.decodeInto(now, store.get("key" + k, "auto"), adopted);
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
            byte[] after = store.get("key" + k, "auto");
            assertEquals(now.fingerprint(), StateCodec.fingerprint(after), "rewritten under the new SPEC");
            assertEquals(61, StateCodec.updates(after));
        }
    }
}
