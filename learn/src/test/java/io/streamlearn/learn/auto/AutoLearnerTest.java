package io.streamlearn.learn.auto;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutoLearnerTest {

    @Nested
    class DefaultCandidates extends LearnerContractTest {
        @Override
        protected String spec() {
            return "auto";
        }

        @Override
        protected int stressUpdates() {
            return 20_000;
        }
    }

    @Nested
    class GivenCandidates extends LearnerContractTest {
        @Override
        protected String spec() {
            return "auto:candidates=sgd|lags:p=2+rls|mean";
        }
    }

    /** Squared-error totals of a prequential run: [auto, candidate 0, candidate 1, ...]. */
    private static double[] run(String spec, int events, java.util.function.BiFunction<Integer, double[], Double> label) {
        AutoLearner auto = (AutoLearner) Learners.create(spec, 2);
        Learner[] alone = auto.candidates().stream().map(c -> Learners.create(c.spec(), 2)).toArray(Learner[]::new);
        ModelState s = auto.newState();
        ModelState[] states = new ModelState[alone.length];
        for (int k = 0; k < alone.length; k++) {
            states[k] = alone[k].newState();
        }
        double[] sse = new double[1 + alone.length];
        SplittableRandom r = new SplittableRandom(3);
        Prediction p = new Prediction();
        for (int t = 0; t < events; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            double y = label.apply(t, x) + 0.5 * r.nextGaussian();
            auto.predict(s, x, t, p);
            sse[0] += (y - p.mean()) * (y - p.mean());
            auto.learn(s, x, t, y);
            for (int k = 0; k < alone.length; k++) {
                alone[k].predict(states[k], x, t, p);
                sse[1 + k] += (y - p.mean()) * (y - p.mean());
                alone[k].learn(states[k], x, t, y);
            }
        }
        return sse;
    }

    @Test
    void shouldPredictLikeItsBestCandidateWhicheverThatIs() {
        // features matter: the regression wins; a random walk level: last wins
        double[] linear = run("auto:candidates=kalman|last|mean", 3000, (t, x) -> 3 * x[0] - x[1]);
        double[] level = run("auto:candidates=kalman|last|mean", 3000, (t, x) -> 50 * Math.sin(t / 200.0) + 0.1 * x[0]);
        for (double[] sse : new double[][] {linear, level}) {
            double best = Math.min(sse[1], Math.min(sse[2], sse[3]));
            assertTrue(sse[0] <= 1.05 * best, "auto " + sse[0] + " vs best candidate " + best);
        }
        assertTrue(linear[1] < linear[2] && level[2] < level[1], "the best candidate differs between the two streams");
    }

    @Test
    void shouldShowTheCandidatesWeightsAndErrors() {
        Learner auto = Learners.create("auto:candidates=kalman|mean", 2);
        ModelState s = auto.newState();
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 500; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            auto.learn(s, x, t, 2 * x[0] + 0.1 * r.nextGaussian());
        }
        double[] w = auto.inspect(s).get("auto.weights");
        assertEquals(2, w.length);
        assertEquals(1.0, w[0] + w[1], 1e-12);
        assertTrue(w[0] > 0.99, "the regression has all the weight: " + w[0]);
        double[] mse = auto.inspect(s).get("auto.mse");
        assertTrue(mse[0] < 0.1 && mse[1] > 1, mse[0] + " " + mse[1]);
        assertTrue(auto.inspect(s).containsKey("candidate0.weights"));
    }

    @Test
    void shouldParseCandidatesWithMemoriesAndRefuseBadOnes() {
        Learner auto = Learners.create("auto:candidates=lags:p=2+kalman:bank=0/0.01|last", 3);
        assertEquals(auto.spec(), Learners.create(auto.spec(), 3).spec(), "the canonical spec parses back");
        assertThrows(IllegalArgumentException.class, () -> Learners.create("auto:candidates=", 3));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("auto:candidates=kalman||last", 3));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("auto:candidates=auto", 3));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("auto:other=1", 3));
    }
}
