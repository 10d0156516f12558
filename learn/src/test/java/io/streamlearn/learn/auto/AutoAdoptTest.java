package io.streamlearn.learn.auto;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.registry.Learners;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code auto}'s first default candidate became the bank with a learned drift per weight (issue #13):
 * its SPEC names another model, and a key stored by the earlier release is adopted, not restarted.
 */
class AutoAdoptTest {

    private static final int D = 3;

    private static ModelState learn(Learner l, SplittableRandom r, int events) {
        ModelState s = l.newState();
        for (int t = 0; t < events; t++) {
            double[] x = {r.nextGaussian(), 10 * r.nextGaussian(), r.nextDouble()};
            l.learn(s, x, 3_600_000L * t, 2 * x[0] - 0.1 * x[1] + Math.sin(t / 24.0 * 2 * Math.PI) + 0.2 * r.nextGaussian());
        }
        return s;
    }

    @Test
    void shouldSucceedTheEarlierDefaultCandidates() {
        Learner now = Learners.create("auto", D);
        Learner before = now.predecessor();
        assertNotNull(before);
        assertEquals(Learners.create("auto:candidates=" + AutoLearner.EARLIER_DEFAULT_CANDIDATES, D).spec(), before.spec());
        assertTrue(now.spec().startsWith("auto:candidates=kalman:bank=0.0/0.01/0.1,prior=4.0,alpha=0.999,intercept=true,"
                + "shape=0.03|lags:p=1,split=none+kalman:bank=0.0/0.001/0.01/0.1"), now.spec());
        assertTrue(now.fingerprint() != before.fingerprint());
    }

    @Test
    void shouldKeepEveryCandidateAndTheMixtureAcrossTheChange() {
        Learner now = Learners.create("auto", D);
        Learner before = now.predecessor();
        SplittableRandom r = new SplittableRandom(3);
        ModelState old = learn(before, r, 300);
        ModelState s = now.newState();
        assertTrue(now.adopt(before, old.values(), 0, s.values(), 0));
        s.setCounters(old.updates(), old.lastEventTime());
        String[] specs = AutoLearner.DEFAULT_CANDIDATES.split("\\|");
        int header = 2 + 2 * specs.length;
        assertArrayEquals(Arrays.copyOf(old.values(), header), Arrays.copyOf(s.values(), header), "losses, count, flag");
        int first = Learners.create(specs[0], D).newState().values().length;
        int firstBefore = Learners.create("kalman", D).newState().values().length;
        double[] restBefore = Arrays.copyOfRange(old.values(), header + firstBefore, old.values().length);
        double[] rest = Arrays.copyOfRange(s.values(), header + first, s.values().length);
        assertArrayEquals(restBefore, rest, "the candidates that did not change, bit for bit");
        assertArrayEquals(before.inspect(old).get("auto.weights"), now.inspect(s).get("auto.weights"), 0.0);

        Prediction a = new Prediction();
        Prediction b = new Prediction();
        double[] x = {0.3, -4.0, 0.5};
        before.predict(old, x, 3_600_000L * 300, a);
        now.predict(s, x, 3_600_000L * 300, b);
        assertEquals(a.mean(), b.mean(), 0.1 * (1 + Math.abs(a.mean())), "the mixture carried over");
        for (int t = 0; t < 50; t++) {
            now.learn(s, x, 3_600_000L * (301 + t), 1.0);
        }
        assertTrue(s.isFinite());
    }

    @Test
    void shouldAdoptThroughTheCalibratedIntervals() {
        Learner now = Learners.model("auto", D);
        Learner before = now.predecessor();
        assertNotNull(before);
        ModelState old = learn(before, new SplittableRandom(4), 100);
        ModelState s = now.newState();
        assertTrue(now.adopt(before, old.values(), 0, s.values(), 0));
        int n = old.values().length;
        int m = s.values().length;
        assertEquals(old.values()[n - 2], s.values()[m - 2], 0.0, "80% level");
        assertEquals(old.values()[n - 1], s.values()[m - 1], 0.0, "95% level");
    }
}
