package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kalman family's state layouts of issue #4 (no stored scratch; S, n, t_last only where used) and
 * the migration of the earlier layout ({@link Learner#migrate}). The earlier layouts are rebuilt here
 * from their documentation; the bytes written by the earlier code itself are the state module's
 * version-1 fixtures ({@code StateFixturesTest}).
 */
class LayoutMigrationTest {

    private static final int D = 3;

    private static ModelState learned(Learner l, boolean binary) {
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < 40; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double y = x[0] - 0.5 * x[1] + 0.25 * r.nextGaussian();
            l.learn(s, x, 1_000L * t + 500L * (t % 3), binary ? (y > 0 ? 1.0 : 0.0) : y);
        }
        return s;
    }

    private static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) {
            n += p.length;
        }
        double[] out = new double[n];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * The earlier layout of a single filter's state, from the documentation of the earlier
     * KalmanLearner, RlsLearner and KalmanLogistic: {@code [m, C, (S, n, t_last | t_last | nothing), u]}.
     */
    private static double[] earlier(String spec, double[] v, int p, double r) {
        int mc = p + Packed.size(p);
        double[] mC = Arrays.copyOfRange(v, 0, mc);
        double[] tail = Arrays.copyOfRange(v, mc, v.length);
        double[] scratch = new double[p];
        if (spec.startsWith("rls")) {
            return concat(mC, scratch);
        }
        boolean qtime = spec.contains("qtime=true");
        double tLast = qtime ? tail[tail.length - 1] : 123_456.0; // unused without qtime: any value
        if (spec.contains("logistic")) {
            return concat(mC, new double[] {tLast}, scratch);
        }
        boolean auto = spec.contains("r=auto");
        double s = auto ? tail[0] : r;
        double n = auto ? tail[1] : 0.0;
        return concat(mC, new double[] {s, n, tLast}, scratch);
    }

    @ParameterizedTest
    @ValueSource(strings = {"kalman:q=0.0025,r=0.25", "kalman:q=0.0025,r=0.25,intercept=false", "kalman:q=0.001,r=auto",
            "kalman:q=0.001,r=0.5,qtime=true", "kalman:q=0.001,r=auto,qtime=true", "kalman:loss=logistic,q=0.001",
            "kalman:loss=logistic,q=0.001,qtime=true", "rls:scale=none", "rls:intercept=false,scale=none"})
    void shouldMigrateTheEarlierLayoutOfASingleFilter(String spec) {
        Learner l = Learners.create(spec, D);
        boolean intercept = !spec.contains("intercept=false");
        int p = intercept ? D + 1 : D;
        ModelState s = learned(l, spec.contains("logistic"));
        double[] old = earlier(spec, s.values(), p, spec.contains("r=0.25") ? 0.25 : 0.5);
        assertEquals(s.values().length + p + (spec.startsWith("rls") ? 0 : spec.contains("logistic")
                ? (spec.contains("qtime") ? 0 : 1) : 3 - (spec.contains("auto") ? 2 : 0) - (spec.contains("qtime") ? 1 : 0)),
                old.length, "the earlier layout had p scratch slots and S, n, t_last always");
        assertEquals(0, l.unversionedLayout(old.length), "recognised by its length in formats 1 and 2");
        assertEquals(1, l.unversionedLayout(s.values().length));
        double[] into = l.newState().values();
        assertTrue(l.migrate(0, old, 0, old.length, into, 0));
        assertArrayEquals(s.values(), into);
    }

    @ParameterizedTest
    @ValueSource(strings = {"kalman:scale=none", "kalman:qtime=true,scale=none", "kalman:v=0.5,scale=none",
            "kalman:v=0.5,qtime=true,intercept=false,scale=none"})
    void shouldMigrateTheEarlierLayoutOfTheBank(String spec) {
        KalmanBank l = (KalmanBank) Learners.create(spec, D);
        int p = spec.contains("intercept=false") ? D : D + 1;
        boolean known = spec.contains("v=");
        boolean qtime = spec.contains("qtime");
        ModelState s = learned(l, false);
        double[] v = s.values();
        // the earlier layout: [n, t_last, M x (m, C, S, l), u (p)]
        int header = (known ? 0 : 1) + (qtime ? 1 : 0);
        int stride = p + Packed.size(p) + (known ? 1 : 2);
        double[] old = new double[2];
        old[0] = known ? s.updates() : v[0];
        old[1] = qtime ? v[header - 1] : -7.0;
        for (int k = 0; k < l.members(); k++) {
            int base = header + k * stride;
            double[] mC = Arrays.copyOfRange(v, base, base + p + Packed.size(p));
            double sv = known ? 0.5 : v[base + p + Packed.size(p)];
            old = concat(old, mC, new double[] {sv, v[base + stride - 1]});
        }
        old = concat(old, new double[p]);
        assertEquals(v.length, header + l.members() * stride, "the current layout");
        double[] into = l.newState().values();
        assertEquals(0, l.unversionedLayout(old.length));
        assertTrue(l.migrate(0, old, 0, old.length, into, 0));
        assertArrayEquals(v, into);
        Prediction a = new Prediction();
        Prediction b = new Prediction();
        ModelState migrated = l.newState();
        System.arraycopy(into, 0, migrated.values(), 0, into.length);
        migrated.setCounters(s.updates(), s.lastEventTime());
        l.predict(s, new double[] {0.1, 0.2, 0.3}, 99_000L, a);
        l.predict(migrated, new double[] {0.1, 0.2, 0.3}, 99_000L, b);
        assertEquals(a.mean(), b.mean(), 0.0);
        assertEquals(a.stddev(), b.stddev(), 0.0);
    }

    @Test
    void shouldStoreNoScratchAndOnlyTheSlotsTheConfigurationUses() {
        int p = D + 1;
        int mc = p + Packed.size(p);
        assertEquals(mc, Learners.create("kalman:q=0.0025,r=0.25", D).newState().values().length);
        assertEquals(mc + 2, Learners.create("kalman:q=0.0025,r=auto", D).newState().values().length);
        assertEquals(mc + 1, Learners.create("kalman:q=0.0025,r=0.25,qtime=true", D).newState().values().length);
        assertEquals(mc + 3, Learners.create("kalman:q=0.0025,r=auto,qtime=true", D).newState().values().length);
        assertEquals(mc, Learners.create("kalman:loss=logistic", D).newState().values().length);
        assertEquals(mc, Learners.create("rls:scale=none", D).newState().values().length);
        assertEquals(mc + 1 + 2 * D, Learners.create("rls", D).newState().values().length, "standardized: c, D mean squares and D scales");
        assertEquals(1 + 4 * (mc + 2), Learners.create("kalman:scale=none", D).newState().values().length);
        assertEquals(1 + 4 * (mc + 2) + 1 + 2 * D, Learners.create("kalman", D).newState().values().length);
        assertEquals(4 * (mc + 1), Learners.create("kalman:v=2,scale=none", D).newState().values().length);
        // d = 16 with intercept: the mean and packed covariance, 17 + 153 doubles
        assertEquals(170, Learners.create("kalman:q=0.0025,r=0.25", 16).newState().values().length);
    }

    @Test
    void shouldRefuseLayoutsAndLengthsThatAreNoEarlierLayout() {
        for (String spec : new String[] {"kalman", "kalman:scale=none", "kalman:q=0.1,r=1", "kalman:loss=logistic", "rls",
                "rls:scale=none", "lags:p=2+kalman:q=0.1,r=1", "lags:p=2+kalman"}) {
            Learner l = Learners.create(spec, D);
            double[] current = l.newState().values();
            double[] into = l.newState().values();
            assertFalse(l.migrate(l.layout(), current, 0, current.length + 1, into, 0), spec + ": a wrong length");
            assertFalse(l.migrate(l.layout() + 1, current, 0, current.length, into, 0), spec + ": a future layout");
            double[] longer = new double[current.length + 1000];
            assertFalse(l.migrate(0, longer, 0, longer.length, into, 0), spec);
            assertEquals(-1, l.unversionedLayout(longer.length), spec);
            assertArrayEquals(l.newState().values(), into, spec + ": nothing written");
        }
        // a fixed-r filter's earlier S slot always held r: another value means another layout
        Learner fixed = Learners.create("kalman:q=0.1,r=1", D);
        double[] old = earlier("kalman:q=0.1,r=1", fixed.newState().values(), D + 1, 2.0);
        assertFalse(fixed.migrate(0, old, 0, old.length, fixed.newState().values(), 0));
    }

    /**
     * A state stored by a build before issue #13, when {@code kalman} and {@code rls} used their inputs
     * as they are, keeps predicting and learning exactly as the unscaled learner; new states standardize.
     */
    @ParameterizedTest
    @ValueSource(strings = {"kalman", "kalman:qtime=true", "kalman:v=0.5", "rls", "lags:p=2+kalman", "drift:action=inflate+rls"})
    void shouldKeepAStateStoredUnscaledUnscaled(String spec) {
        Learner scaled = Learners.create(spec, D);
        Learner raw = Learners.create(spec.replaceAll("(kalman[^+]*|rls[^+]*)$", "$1" + (spec.contains(":") && !spec.endsWith("kalman") && !spec.endsWith("rls") ? ",scale=none" : ":scale=none")), D);
        assertTrue(raw.spec().endsWith("scale=none"), raw.spec());
        assertEquals(raw.layout() + Standardized.FLAG, scaled.layout(), spec);
        ModelState old = learned(raw, false);
        double[] v = old.values();
        assertEquals(raw.unversionedLayout(v.length), scaled.unversionedLayout(v.length),
                spec + ": a state stored without a layout is the unscaled learner's");
        ModelState migrated = scaled.newState();
        assertTrue(scaled.migrate(raw.layout(), v, 0, v.length, migrated.values(), 0), spec);
        migrated.setCounters(old.updates(), old.lastEventTime());
        ModelState fresh = scaled.newState();
        SplittableRandom r = new SplittableRandom(11);
        Prediction a = new Prediction();
        Prediction b = new Prediction();
        Prediction c = new Prediction();
        boolean differs = false;
        for (int t = 0; t < 30; t++) {
            double[] x = {5 * r.nextGaussian(), 100 * r.nextGaussian(), r.nextGaussian()};
            long time = 50_000L + 1_000L * t;
            raw.predict(old, x, time, a);
            scaled.predict(migrated, x, time, b);
            scaled.predict(fresh, x, time, c);
            assertEquals(a.mean(), b.mean(), 0.0, spec + " at " + t);
            assertEquals(a.stddev(), b.stddev(), 0.0, spec + " at " + t);
            differs |= a.mean() != c.mean();
            double y = x[0] - 0.01 * x[1] + r.nextGaussian();
            raw.learn(old, x, time, y);
            scaled.learn(migrated, x, time, y);
            scaled.learn(fresh, x, time, y);
        }
        assertTrue(differs, spec + ": a new key's model is standardized");
    }

    @Test
    void shouldMigrateTheReadoutSliceOfACompositionAndADriftGuard() {
        for (String spec : new String[] {"lags:p=2+kalman:q=0.001,r=0.5", "drift:action=inflate+rls:scale=none",
                "lags:p=2+drift+kalman:q=0.001,r=0.5"}) {
            Learner l = Learners.create(spec, D);
            ModelState s = learned(l, false);
            double[] v = s.values();
            int p = (spec.startsWith("lags:p=2") ? D + 2 : D) + 1;     // the readout sees x and 2 lags
            int prefix = v.length - (p + Packed.size(p));
            double[] tail = Arrays.copyOfRange(v, prefix, v.length);
            double[] oldTail = spec.contains("rls") ? concat(tail, new double[p])
                    : concat(tail, new double[] {0.5, 0.0, 1.0}, new double[p]);
            double[] old = concat(Arrays.copyOfRange(v, 0, prefix), oldTail);
            double[] into = l.newState().values();
            assertEquals(0, l.unversionedLayout(old.length), spec);
            assertTrue(l.migrate(0, old, 0, old.length, into, 0), spec);
            assertArrayEquals(v, into, spec);
        }
    }
}
