package io.streamlearn.learn.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The delta rule as a readout: contract, and equality with normalised LMS. */
class DeltaTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "delta";
    }

    @Test
    void shouldBeNormalisedLmsWithoutForgetting() {
        int d = 5;
        double mu = 0.7;
        double eps = 1e-6;
        Learner l = Learners.create("delta:lr=0.7,alpha=1,eps=1e-6", d);
        ModelState s = l.newState();
        Prediction p = new Prediction();
        double[] w = new double[d];          // NLMS (Haykin): w ← w + μ e x / (ε + ‖x‖²), e = y − wᵀx
        double[] truth = {1, -2, 0.5, 3, 0};
        SplittableRandom r = new SplittableRandom(8);
        for (int t = 0; t < 3000; t++) {
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = r.nextGaussian() * (1 + i);
            }
            double y = 0.05 * r.nextGaussian();
            for (int i = 0; i < d; i++) {
                y += truth[i] * x[i];
            }
            double yHat = 0;
            double energy = 0;
            for (int i = 0; i < d; i++) {
                yHat += w[i] * x[i];
                energy += x[i] * x[i];
            }
            l.predict(s, x, t, p);
            assertEquals(yHat, p.mean(), 1e-9 * (1 + Math.abs(yHat)), "prediction at " + t);
            double e = y - yHat;
            for (int i = 0; i < d; i++) {
                w[i] += mu * e * x[i] / (eps + energy);
            }
            l.learn(s, x, t, y);
        }
        assertArrayEquals(w, l.inspect(s).get("weights"), 1e-9);
        assertArrayEquals(truth, w, 0.05);   // and it learned the generating weights
    }

    @Test
    void shouldGateEachValueChannelWithItsOwnForgetting() {
        // S_j ← α_j S_j + β (v − S_j k) kᵀ, α_j = 1 − (1 − α)/(j+1), β = lr/(eps + ‖k‖²), by hand
        DeltaMemory m = new DeltaMemory(2, 2, 2, 0.8, 0.5, 1e-6);
        double[] s = {1, 3, 2, 4};          // key-major: S_0 = (1, 2), S_1 = (3, 4)
        double[] x = {1, -1};
        m.learn(s, 0, x, 0, 10.0, null, 0, new double[m.scratchSize()]);
        double beta = 0.5 / (1e-6 + 2);
        double e0 = 10 - (1 - 2);
        double e1 = 10 - (3 - 4);
        double a0 = 0.8;
        double a1 = 0.9;
        double[] row0 = {a0 * 1 + beta * e0, a0 * 2 - beta * e0};
        double[] row1 = {a1 * 3 + beta * e1, a1 * 4 - beta * e1};
        assertArrayEquals(new double[] {row0[0], row0[1], row1[0], row1[1]}, m.inspect(s, 0).get("fastWeights"), 1e-12);
        double[] out = new double[2];
        m.features(s, 0, x, 0, false, out, 0, new double[m.scratchSize()]);
        assertArrayEquals(new double[] {row0[0] - row0[1], row1[0] - row1[1]}, out, 1e-12);
    }

    @Test
    void shouldRefuseSeveralValueChannelsAsAReadoutAndUnstableSteps() {
        assertThrows(IllegalArgumentException.class, () -> Learners.create("delta:dv=2", 3));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("delta:lr=2.5", 3));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("delta:alpha=1.5", 3));
    }
}
