package io.streamlearn.streams.score;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.conformal.Conformal;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.StateCodec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scoring step publishes each key's calibrated intervals and keeps their levels in the key's state. */
class ScoringStepCalibrationTest {

    private final FeatureSpace space = FeatureSpace.ordered(List.of("a"));

    private static final class Capture implements ScoringStep.Sink {
        final List<double[]> seen = new ArrayList<>();

        @Override
        public void accept(String model, boolean champion, long version, double mean, double stddev) {
            throw new AssertionError("the step hands the prediction whole");
        }

        @Override
        public void accept(String model, boolean champion, long version, Prediction p) {
            seen.add(new double[] {p.mean(), p.stddev(), p.lower80(), p.upper80(), p.lower95(), p.upper95()});
        }
    }

    @Test
    void shouldPublishTheIntervalsOfTheKeysOwnLevelsThroughTheStore() {
        // coldstart=none: each key starts as the reference does, not from the other key's population
        ScoringStep step = new ScoringStep(space, List.of("kalman:coldstart=none", "sgd"));
        InMemoryModelStore store = new InMemoryModelStore();
        Capture capture = new Capture();
        // reference: each key's model run directly, one state per key, learning from what it published
        Learner model = Learners.model("kalman", 1);
        Map<String, ModelState> states = Map.of("k1", model.newState(), "k2", model.newState());
        Prediction p = new Prediction();
        Random rnd = new Random(9);
        double[] x = new double[1];
        int covered = 0;
        int n = 0;
        for (int t = 0; t < 4000; t++) {
            String key = t % 2 == 0 ? "k1" : "k2";
            x[0] = rnd.nextGaussian();
            double y = 3 * x[0] + (key.equals("k1") ? 0.2 : 4.0) * rnd.nextGaussian();
            capture.seen.clear();
            step.score(key, 1000L * t, Map.of("a", x[0]), y, store, capture);
            ModelState s = states.get(key);
            model.predict(s, x, 1000L * t, p);
            double[] published = capture.seen.get(0);
            assertArrayEquals(new double[] {p.mean(), p.stddev(), p.lower80(), p.upper80(), p.lower95(), p.upper95()},
                    published, "t=" + t);
            assertTrue(Double.isNaN(capture.seen.get(1)[2]), "sgd has no stddev, so no interval");
            ((Conformal) model).learn(s, x, 1000L * t, y, p);
            if (t >= 2000) {
                n++;
                covered += y >= published[2] && y <= published[3] ? 1 : 0;
            }
        }
        assertEquals(0.80, covered / (double) n, 0.03);
        ModelState stored = model.newState();
        StateCodec.decodeInto(model, store.get("k2", "kalman:coldstart=none"), stored);
        assertEquals(states.get("k2"), stored);
        assertTrue(model.inspect(stored).get("conformal.level")[0] != 0.20, "the level moved");
    }

    @Test
    void shouldKeepAKeysModelStoredBeforeCalibrationAndStartItsLevelsNominal() {
        Learner bare = Learners.create("kalman", 1);
        ModelState s = bare.newState();
        for (int t = 0; t < 50; t++) {
            bare.learn(s, new double[] {t % 5}, 1000L * t, 2.0 * (t % 5));
        }
        InMemoryModelStore store = new InMemoryModelStore();
        store.put("k", "kalman", StateCodec.encode(bare, s));
        ScoringStep step = new ScoringStep(space, List.of("kalman"));
        Capture capture = new Capture();
        step.score("k", 60_000L, Map.of("a", 3.0), 6.0, store, capture);
        assertEquals(0, step.counters().replacedStates());
        assertEquals(0, step.counters().freshStates());
        Prediction own = new Prediction();
        bare.predict(s, new double[] {3.0}, 60_000L, own);
        assertEquals(own.mean(), capture.seen.get(0)[0]);
        assertEquals(own.mean() + 1.2815515655446004 * own.stddev(), capture.seen.get(0)[3], 1e-9 * Math.abs(own.mean()) + 1e-9);
        Learner model = step.models().get(0).learner();
        ModelState after = model.newState();
        StateCodec.decodeInto(model, store.get("k", "kalman"), after);
        assertEquals(51, after.updates());
    }
}
