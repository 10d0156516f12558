package io.streamlearn.learn.drift;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriftGuardTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "drift:detector=ph,lambda=20+sgd";
    }

    @Override
    protected int stressUpdates() {
        return 200_000;
    }

    /** A running mean that can be inflated: state [mean, inflations, updates seen at the last learn]. */
    static final class MeanLearner implements Learner, DriftAware {
        @Override
        public String spec() {
            return "mean";
        }

        @Override
        public int dimension() {
            return 1;
        }

        @Override
        public ModelState newState() {
            return new ModelState(3);
        }

        @Override
        public void predict(ModelState state, double[] x, long time, Prediction out) {
            Inputs.check(x, 1);
            out.set(state.values()[0]);
        }

        @Override
        public void learn(ModelState state, double[] x, long time, double label) {
            Inputs.check(x, 1, label);
            double[] s = state.values();
            s[0] += (label - s[0]) / (state.updates() + 1);
            s[2] = state.updates();
            state.recordUpdate(time);
        }

        @Override
        public void inflate(ModelState state, double factor) {
            state.values()[1] += 1;
        }
    }

    private static DriftGuard guard(String spec, Learner readout) {
        return DriftGuard.fromSpec(ModelSpec.parse(spec).readout().reader(), readout);
    }

    private static int firstDetection(Learner l, ModelState s, int change, int events) {
        SplittableRandom r = new SplittableRandom(3);
        int first = -1;
        for (int t = 0; t < events; t++) {
            double y = (t < change ? 1.0 : 6.0) + 0.3 * r.nextGaussian();
            l.learn(s, new double[] {1.0}, t, y);
            if (first < 0 && l.inspect(s).get("drift.detections")[0] > 0) {
                first = t;
            }
        }
        return first;
    }

    @Test
    void shouldResetTheReadoutWhenItsErrorJumps() {
        DriftGuard g = guard("drift:detector=ph,lambda=10,action=reset", new MeanLearner());
        ModelState s = g.newState();
        int first = firstDetection(g, s, 1000, 1400);
        assertTrue(first >= 1000 && first < 1030, "detected at " + first);
        Map<String, double[]> v = g.inspect(s);
        assertEquals(1, g.detections(s));
        assertEquals(first, v.get("drift.lastDetectionTime")[0]);
        // after the reset the mean restarts from the new regime alone: updates counted since the reset
        assertEquals(6.0, v.get("readout.values")[0], 0.05);
        assertEquals(1400 - first - 2, v.get("readout.values")[2], 0.0);
        assertEquals(1400, s.updates());
    }

    @Test
    void shouldInflateADriftAwareReadoutOnEachDetection() {
        DriftGuard g = guard("drift:detector=adwin,action=inflate,factor=4", new MeanLearner());
        ModelState s = g.newState();
        int first = firstDetection(g, s, 1000, 1400);
        assertTrue(first >= 1000 && first < 1100, "detected at " + first);
        Map<String, double[]> v = g.inspect(s);
        assertTrue(g.detections(s) >= 1);
        assertEquals(g.detections(s), v.get("readout.values")[1], 0.0, "one inflation per detection");
        assertEquals(1399, v.get("readout.values")[2], 0.0, "inflate keeps the readout's history");
    }

    @Test
    void shouldRefuseToInflateAReadoutThatCannot() {
        assertThrows(IllegalArgumentException.class, () -> Learners.create("drift:action=inflate+delta", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("drift:detector=ph,rows=3+sgd", 2));
    }

    @Test
    void shouldGuardTheReadoutOfAComposite() {
        Learner l = Learners.create("lags:p=2+drift:detector=adwin+sgd", 1);
        assertEquals("lags:p=2,split=none+drift:detector=adwin,delta=0.002,buckets=5,rows=20,clock=32,min=10,action=reset+sgd:loss=squared,step=normalized,lr=2,label_scale=true,l1=0,l2=0,clip=0,average=false,intercept=true,intercept_lr=2",
                l.spec());
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 3000; t++) {
            double y = (t < 1500 ? 0 : 50) + r.nextGaussian();
            l.learn(s, new double[] {r.nextGaussian()}, t, y);
        }
        Map<String, double[]> v = l.inspect(s);
        assertTrue(v.get("readout.drift.detections")[0] >= 1, "the jump at 1500 must be detected");
        assertTrue(v.get("readout.drift.lastDetectionTime")[0] >= 1500);
        assertEquals(2, v.get("lags.window").length);
    }
}
