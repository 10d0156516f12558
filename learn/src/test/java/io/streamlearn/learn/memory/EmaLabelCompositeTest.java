package io.streamlearn.learn.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EmaLabelCompositeTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "ema:tau=1s/1m+sgd";
    }

    @Override
    protected int stressUpdates() {
        return 200_000;
    }

    @Test
    void shouldEqualTheClosedFormWithIrregularGaps() {
        double[] tau = {60_000, 3_600_000, 86_400_000};
        Learner l = Learners.create("ema:tau=60s/1h/1d+sgd", 1);
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(9);
        long[] gaps = {0, 1, 7, 250, 3_000, 59_000, 600_000, 7_200_000, 90_000_000};
        int n = 400;
        long[] times = new long[n];
        double[] ys = new double[n];
        long t = 1_700_000_000_000L;
        for (int i = 0; i < n; i++) {
            t += gaps[r.nextInt(gaps.length)];
            times[i] = t;
            ys[i] = 10 + 5 * r.nextGaussian();
            l.learn(s, new double[] {r.nextGaussian()}, t, ys[i]);
            if (i % 37 == 0 || i == n - 1) {
                double[] got = l.inspect(s).get("ema.labelAverages");
                for (int j = 0; j < tau.length; j++) {
                    // m = Σ y_k e^{-(t_i - t_k)/τ} / Σ e^{-(t_i - t_k)/τ}
                    double num = 0;
                    double den = 0;
                    for (int k = 0; k <= i; k++) {
                        double w = Math.exp(-(times[i] - times[k]) / tau[j]);
                        num += w * ys[k];
                        den += w;
                    }
                    assertEquals(num / den, got[j], 1e-9 * Math.abs(num / den), "tau " + tau[j] + " after event " + i);
                }
            }
        }
    }

    @Test
    void shouldStartFromTheFirstLabel() {
        Learner l = Learners.create("ema:tau=1h+sgd", 1);
        ModelState s = l.newState();
        assertEquals(0.0, l.inspect(s).get("ema.labelAverages")[0]);
        l.learn(s, new double[] {0}, 123, 42.0);
        assertEquals(42.0, l.inspect(s).get("ema.labelAverages")[0]);
    }
}
