package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.registry.Learners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bank takes over the state of a bank with other members or drift ({@link Learner#adopt}): how
 * {@code auto} carries its {@code kalman} candidate over to the bank with learned drift per weight
 * (issue #13), and how any later change of the bank's default would keep every key's model.
 */
class KalmanAdoptTest {

    static final int D = 3;
    static final String ISOTROPIC = "kalman";
    static final String SHAPED = "kalman:bank=0/1e-2/1e-1,shape=0.03";

    /** Features of very different units, a label with a drifting weight. */
    static ModelState learn(Learner l, ModelState s, SplittableRandom r, double[] w, int from, int to) {
        for (int t = from; t < to; t++) {
            double[] x = x(r);
            w[0] += 0.01 * r.nextGaussian();
            l.learn(s, x, 1_000L * t, label(x, w, r));
        }
        return s;
    }

    static double[] x(SplittableRandom r) {
        return new double[] {r.nextGaussian(), 100 * r.nextGaussian(), 0.5 + r.nextDouble()};
    }

    static double label(double[] x, double[] w, SplittableRandom r) {
        return w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + 3 + 0.3 * r.nextGaussian();
    }

    static ModelState adopt(Learner now, Learner before, ModelState old) {
        ModelState s = now.newState();
        assertTrue(now.adopt(before, old.values(), 0, s.values(), 0), now.spec() + " adopts " + before.spec());
        s.setCounters(old.updates(), old.lastEventTime());
        return s;
    }

    @Test
    void shouldCarryEachKeptMemberOverAndRenormaliseTheWeights() {
        Learner now = Learners.create(SHAPED, D);
        Learner before = Learners.create(ISOTROPIC, D);
        SplittableRandom r = new SplittableRandom(5);
        double[] w = {1.0, 0.02, -2.0};
        ModelState old = learn(before, before.newState(), r, w, 0, 400);
        ModelState s = adopt(now, before, old);
        Map<String, double[]> was = before.inspect(old);
        Map<String, double[]> is = now.inspect(s);
        int[] kept = {0, 2, 3};     // ratios 0, 1e-2 and 1e-1 of 0/1e-3/1e-2/1e-1
        double total = 0;
        for (int k : kept) {
            total += was.get("memberProbabilities")[k];
        }
        for (int i = 0; i < kept.length; i++) {
            int k = kept[i];
            assertArrayEquals(was.get("member" + k + ".weights"), is.get("member" + i + ".weights"), "member " + i);
            assertEquals(was.get("noiseVariance")[k], is.get("noiseVariance")[i], 0.0);
            assertEquals(was.get("memberProbabilities")[k] / total, is.get("memberProbabilities")[i], 1e-6);
        }
        assertArrayEquals(was.get("featureScale"), is.get("featureScale"));
        assertArrayEquals(was.get("degreesOfFreedom"), is.get("degreesOfFreedom"));
        assertArrayEquals(new double[] {1, 1, 1, 1}, is.get("driftMultipliers"), "multipliers start at 1");

        // the adopted mean is the kept members' mixture, computed here from the earlier model's views
        double[] x = {0.4, -30.0, 1.1};
        double mean = 0;
        for (int k : kept) {
            double[] m = was.get("member" + k + ".weights");
            double f = m[D];
            for (int j = 0; j < D; j++) {
                f += m[j] * x[j];
            }
            mean += was.get("memberProbabilities")[k] / total * f;
        }
        Prediction p = new Prediction();
        now.predict(s, x, 401_000L, p);
        assertEquals(mean, p.mean(), 1e-5 * (1 + Math.abs(mean)));
        assertTrue(p.stddev() > 0 && p.stddev() < Double.POSITIVE_INFINITY);
    }

    /** Back the other way: the multipliers are dropped, a missing member takes its nearest ratio's values. */
    @Test
    void shouldTakeTheNearestMemberForARatioTheEarlierBankLacked() {
        Learner now = Learners.create(ISOTROPIC, D);
        Learner before = Learners.create(SHAPED, D);
        SplittableRandom r = new SplittableRandom(6);
        ModelState old = learn(before, before.newState(), r, new double[] {1.0, 0.02, -2.0}, 0, 100);
        ModelState s = adopt(now, before, old);
        Map<String, double[]> was = before.inspect(old);
        Map<String, double[]> is = now.inspect(s);
        assertArrayEquals(was.get("member0.weights"), is.get("member0.weights"), "ratio 0");
        assertArrayEquals(was.get("member1.weights"), is.get("member1.weights"), "1e-3 from 1e-2, its nearest");
        assertArrayEquals(was.get("member1.weights"), is.get("member2.weights"), "1e-2");
        assertArrayEquals(was.get("member2.weights"), is.get("member3.weights"), "1e-1");
        assertNull(is.get("driftMultipliers"));
    }

    @Test
    void shouldKeepWhatTheKeyLearned() {
        Learner now = Learners.create(SHAPED, D);
        Learner before = Learners.create(ISOTROPIC, D);
        SplittableRandom r = new SplittableRandom(9);
        double[] w = {1.0, 0.02, -2.0};
        ModelState old = learn(before, before.newState(), r, w, 0, 600);
        ModelState adopted = adopt(now, before, old);
        ModelState fresh = now.newState();
        double adoptedSq = 0;
        double earlierSq = 0;
        double freshSq = 0;
        Prediction p = new Prediction();
        for (int t = 600; t < 630; t++) {
            double[] x = x(r);
            w[0] += 0.01 * r.nextGaussian();
            double y = label(x, w, r);
            now.predict(adopted, x, 1_000L * t, p);
            adoptedSq += (y - p.mean()) * (y - p.mean());
            before.predict(old, x, 1_000L * t, p);
            earlierSq += (y - p.mean()) * (y - p.mean());
            now.predict(fresh, x, 1_000L * t, p);
            freshSq += (y - p.mean()) * (y - p.mean());
            now.learn(adopted, x, 1_000L * t, y);
            before.learn(old, x, 1_000L * t, y);
            now.learn(fresh, x, 1_000L * t, y);
        }
        // the first 30 events after the change: close to the earlier model (whose 1e-3 member, which this
        // drift suits, is gone), far better than a new key
        assertTrue(adoptedSq < 1.5 * earlierSq, "adopted " + adoptedSq + " against the earlier model's " + earlierSq);
        assertTrue(adoptedSq < 0.2 * freshSq, "adopted " + adoptedSq + " against a new key's " + freshSq);
        assertTrue(adopted.isFinite());
    }

    @Test
    void shouldRefuseABankOfOtherInputs() {
        Learner now = Learners.create(SHAPED, D);
        for (String other : new String[] {"kalman:intercept=false", "kalman:v=0.5", "kalman:qtime=true", "rls", "sgd"}) {
            Learner before = Learners.create(other, D);
            assertFalse(now.adopt(before, before.newState().values(), 0, now.newState().values(), 0), other);
        }
        Learner wider = Learners.create(ISOTROPIC, D + 1);
        assertFalse(now.adopt(wider, wider.newState().values(), 0, now.newState().values(), 0), "another dimension");
    }

    /** {@code auto}'s default candidates changed; everything else built what it built before. */
    @ParameterizedTest
    @ValueSource(strings = {"kalman", "kalman:scale=none", "kalman:shape=0.03", "kalman:q=0.1,r=1", "rls", "sgd", "last",
            "lags:p=2+kalman", "drift:action=inflate+kalman", "auto:candidates=kalman|last"})
    void shouldHaveNoPredecessorWhereTheSpecBuildsWhatItBuiltBefore(String spec) {
        Learner l = Learners.create(spec, D);
        assertNull(l.predecessor(), spec);
        assertNull(Learners.model(spec, D).predecessor(), spec);
    }
}
