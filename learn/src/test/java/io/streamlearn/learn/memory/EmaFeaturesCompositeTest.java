package io.streamlearn.learn.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.sgd.SgdLearner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmaFeaturesCompositeTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "ema:tau=10ms/1s,of=features+sgd";
    }

    @Override
    protected int stressUpdates() {
        return 200_000;
    }

    /** Σ x_k e^{-(t - t_k)/τ} / Σ e^{-(t - t_k)/τ} over events k up to and including the current one. */
    private static double closedForm(List<double[]> xs, List<Long> times, int feature, double tau) {
        long now = times.get(times.size() - 1);
        double num = 0;
        double den = 0;
        for (int k = 0; k < xs.size(); k++) {
            double w = Math.exp(-(now - times.get(k)) / tau);
            num += w * xs.get(k)[feature];
            den += w;
        }
        return num / den;
    }

    @Test
    void shouldPredictFromAveragesThatIncludeTheCurrentEventAndAdvanceOnUnlabelledEvents() {
        int d = 2;
        double[] tau = {500, 20_000};
        Learner composite = Learners.create("ema:tau=500ms/20s,of=features+sgd:lr=0.1", d);
        assertTrue(composite.observesEvents());
        Learner reference = new SgdLearner(d + d * tau.length, 0.1);
        ModelState cs = composite.newState();
        ModelState rs = reference.newState();
        Prediction cp = new Prediction();
        Prediction rp = new Prediction();
        List<double[]> xs = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(4);
        long t = 0;
        for (int i = 0; i < 600; i++) {
            t += r.nextInt(3) == 0 ? 0 : r.nextInt(1, 3_000);
            double[] x = {r.nextGaussian(), 3 + r.nextGaussian()};
            xs.add(x);
            times.add(t);
            double[] z = new double[d + d * tau.length];
            z[0] = x[0];
            z[1] = x[1];
            for (int j = 0; j < tau.length; j++) {
                for (int f = 0; f < d; f++) {
                    z[d + j * d + f] = closedForm(xs, times, f, tau[j]);
                }
            }
            composite.predict(cs, x, t, cp);
            reference.predict(rs, z, t, rp);
            assertEquals(rp.mean(), cp.mean(), 1e-9, "prediction at " + i);
            ModelState before = cs.copy();
            composite.observe(cs, x, t);
            assertNotEquals(before, cs, "an unlabelled event must advance a feature memory");
            if (i % 4 != 3) {
                double y = x[0] + 0.5 * z[d] + 0.1 * r.nextGaussian();
                composite.learn(cs, x, t, y);
                reference.learn(rs, z, t, y);
            }
        }
        double[] got = composite.inspect(cs).get("ema.featureAverages");
        assertEquals(closedForm(xs, times, 1, tau[1]), got[d + 1], 1e-9);
    }

    @Test
    void shouldLearnFromTheSameInputWithOrWithoutObserve() {
        // a late label learned without observe folds the event in as predict does
        Learner l = Learners.create("ema:tau=1s,of=features+sgd", 2);
        ModelState a = l.newState();
        ModelState b = l.newState();
        double[] x0 = {1, 2};
        double[] x1 = {-3, 0.5};
        for (ModelState s : new ModelState[] {a, b}) {
            l.observe(s, x0, 0);
            l.learn(s, x0, 0, 1.0);
        }
        l.observe(a, x1, 700);
        l.learn(a, x1, 700, 2.0);
        l.learn(b, x1, 700, 2.0);
        double[] ra = l.inspect(a).get("readout.values");
        double[] rb = l.inspect(b).get("readout.values");
        for (int i = 0; i < ra.length; i++) {
            assertEquals(ra[i], rb[i], 0.0, "readout slot " + i);
        }
    }
}
