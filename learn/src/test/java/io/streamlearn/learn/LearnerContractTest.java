package io.streamlearn.learn;

import io.streamlearn.learn.registry.Learners;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every learner passes. A learner's test extends this class and names the learner in
 * {@link #spec()}; the checks below then run against it.
 */
public abstract class LearnerContractTest {

    /** The SPEC of the learner under test. */
    protected abstract String spec();

    /** Input dimension used by the contract checks. */
    protected int dimension() {
        return 4;
    }

    /** Number of random updates in {@link #shouldStayFiniteAfterManyRandomUpdates()}. */
    protected int stressUpdates() {
        return 1_000_000;
    }

    /** Whether labels are 0/1 (classifiers) rather than real numbers. */
    protected boolean binaryLabels() {
        return false;
    }

    protected Learner learner() {
        return Learners.create(spec(), dimension());
    }

    private double label(double[] x, SplittableRandom r) {
        double s = 0.5;
        for (int i = 0; i < x.length; i++) {
            s += (i + 1) * 0.3 * x[i];
        }
        s += 0.1 * r.nextGaussian();
        return binaryLabels() ? (s > 0.5 ? 1.0 : 0.0) : s;
    }

    private static double[] features(int d, SplittableRandom r) {
        double[] x = new double[d];
        for (int i = 0; i < d; i++) {
            x[i] = r.nextGaussian();
        }
        return x;
    }

    @Test
    void shouldBeDeterministic() {
        Learner a = learner();
        Learner b = learner();
        ModelState sa = a.newState();
        ModelState sb = b.newState();
        Prediction pa = new Prediction();
        Prediction pb = new Prediction();
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < 2000; t++) {
            double[] x = features(dimension(), r);
            double y = label(x, r);
            a.predict(sa, x, t * 1000L, pa);
            b.predict(sb, x.clone(), t * 1000L, pb);
            assertEquals(Double.doubleToRawLongBits(pa.mean()), Double.doubleToRawLongBits(pb.mean()), "prediction at " + t);
            a.observe(sa, x, t * 1000L);
            b.observe(sb, x, t * 1000L);
            a.learn(sa, x, t * 1000L, y);
            b.learn(sb, x, t * 1000L, y);
        }
        assertEquals(sa, sb);
        assertEquals(a.spec(), b.spec());
        assertEquals(a.fingerprint(), b.fingerprint());
    }

    @Test
    void shouldCountUpdatesAndKeepStateSizeFixed() {
        Learner l = learner();
        ModelState s = l.newState();
        int size = s.values().length;
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 10_000; t++) {
            double[] x = features(dimension(), r);
            l.observe(s, x, t);
            l.learn(s, x, t, label(x, r));
        }
        assertEquals(10_000, s.updates());
        assertEquals(size, s.values().length, "state must not grow with the event count");
        assertEquals(9_999, s.lastEventTime());
    }

    @Test
    void shouldLeaveInputsAndStateUntouchedWhenPredicting() {
        Learner l = learner();
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 100; t++) {
            double[] x = features(dimension(), r);
            l.learn(s, x, t, label(x, r));
        }
        ModelState before = s.copy();
        double[] x = features(dimension(), r);
        double[] xCopy = x.clone();
        Prediction p = new Prediction();
        l.predict(s, x, 100, p);
        assertEquals(before, s, "predict must not change the state");
        assertArrayEquals(xCopy, x, "predict must not change its input");
        l.learn(s, x, 100, 1.0);
        assertArrayEquals(xCopy, x, "learn must not change its input");
        assertNotEquals(before, s, "learn must change the state");
    }

    @Test
    void shouldRejectBadInputAndLeaveStateUnchanged() {
        Learner l = learner();
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(11);
        for (int t = 0; t < 50; t++) {
            double[] x = features(dimension(), r);
            l.learn(s, x, t, label(x, r));
        }
        ModelState before = s.copy();
        double[] good = features(dimension(), r);
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300}) {
            double[] x = good.clone();
            x[dimension() - 1] = bad;
            assertThrows(InvalidInputException.class, () -> l.learn(s, x, 60, 1.0), "feature " + bad);
            assertThrows(InvalidInputException.class, () -> l.predict(s, x, 60, new Prediction()), "feature " + bad);
            assertEquals(before, s, "a rejected feature " + bad + " must leave the state unchanged");
            assertThrows(InvalidInputException.class, () -> l.learn(s, good, 60, bad), "label " + bad);
            assertEquals(before, s, "a rejected label " + bad + " must leave the state unchanged");
        }
        assertThrows(InvalidInputException.class, () -> l.learn(s, new double[dimension() + 1], 60, 1.0));
        assertEquals(before, s);
    }

    @Test
    void shouldStayFiniteAfterManyRandomUpdates() {
        Learner l = learner();
        ModelState s = l.newState();
        Prediction p = new Prediction();
        SplittableRandom r = new SplittableRandom(13);
        int d = dimension();
        double[] x = new double[d];
        for (int t = 0; t < stressUpdates(); t++) {
            // Wild inputs: scales from 1e-3 to 1e3, features sometimes absent for long stretches,
            // heavy-tailed labels; a learner must stay finite through all of it.
            double scale = Math.pow(10, r.nextInt(-3, 4));
            for (int i = 0; i < d; i++) {
                x[i] = (i == d - 1 && (t / 10_000) % 2 == 0) ? 0.0 : scale * r.nextGaussian();
            }
            double y = binaryLabels() ? r.nextInt(2) : label(x, r) + (r.nextInt(100) == 0 ? 1e4 * r.nextGaussian() : 0);
            l.predict(s, x, t, p);
            assertTrue(Double.isFinite(p.mean()), "prediction not finite at " + t);
            l.observe(s, x, t);
            l.learn(s, x, t, y);
        }
        assertTrue(s.isFinite(), "state not finite: " + Arrays.toString(s.values()));
        l.predict(s, x, stressUpdates(), p);
        assertTrue(Double.isFinite(p.mean()));
        assertFalse(p.hasStddev() && !(p.stddev() >= 0), "stddev must be >= 0 when present");
    }

    /**
     * One learner instance serves every key of every stream thread: four threads, each with its own
     * keys, interleaving their events on one shared learner, must end with the states and predictions
     * those keys get one at a time (a learner's scratch must be per thread, never shared).
     */
    @Test
    void shouldGiveEachKeyItsOwnResultWhenSharedAcrossThreads() throws Exception {
        int threads = 4;
        int events = 3_000;
        Learner shared = learner();
        ModelState[] alone = new ModelState[threads];
        double[][] alonePredictions = new double[threads][events];
        for (int k = 0; k < threads; k++) {
            alone[k] = shared.newState();
            run(shared, alone[k], new SplittableRandom(100 + k), events, alonePredictions[k]);
        }
        ModelState[] together = new ModelState[threads];
        double[][] togetherPredictions = new double[threads][events];
        Thread[] workers = new Thread[threads];
        Throwable[] failure = new Throwable[1];
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        for (int k = 0; k < threads; k++) {
            int key = k;
            together[k] = shared.newState();
            workers[k] = new Thread(() -> {
                try {
                    start.await();
                    run(shared, together[key], new SplittableRandom(100 + key), events, togetherPredictions[key]);
                } catch (Throwable t) {
                    synchronized (failure) {
                        failure[0] = t;
                    }
                }
            });
            workers[k].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        assertEquals(null, failure[0]);
        for (int k = 0; k < threads; k++) {
            assertEquals(alone[k], together[k], "key " + k + "'s state");
            for (int t = 0; t < events; t++) {
                assertEquals(Double.doubleToRawLongBits(alonePredictions[k][t]),
                        Double.doubleToRawLongBits(togetherPredictions[k][t]), "key " + k + ", event " + t);
            }
        }
    }

    private void run(Learner l, ModelState s, SplittableRandom r, int events, double[] predictions) {
        Prediction p = new Prediction();
        for (int t = 0; t < events; t++) {
            double[] x = features(dimension(), r);
            double y = label(x, r);
            l.predict(s, x, t * 1000L, p);
            predictions[t] = p.mean();
            l.observe(s, x, t * 1000L);
            if (t % 3 != 2) {
                l.learn(s, x, t * 1000L, y);
            }
        }
    }

    /**
     * Issue #17: the state in memory is always what its compact bytes hold: after a fresh start, every
     * update and a widening, each value the storage calls a float equals a float32 and each count is
     * an integer. So a backtest keeping states in memory and a live key decoding them predict alike.
     */
    @Test
    void shouldKeepEveryStateAsItsStorageStoresIt() {
        Learner l = learner();
        Storage storage = l.storage();
        ModelState s = l.newState();
        assertEquals(s.values().length, storage.length(), "the storage describes every value");
        assertStored(storage, s, "fresh");
        SplittableRandom r = new SplittableRandom(17);
        for (int t = 0; t < 300; t++) {
            double[] x = features(dimension(), r);
            l.observe(s, x, t * 1000L);
            l.learn(s, x, t * 1000L, (binaryLabels() ? 1.0 : 100.0) * label(x, r));
            assertStored(storage, s, "after update " + t);
            if (t == 150 && l instanceof DriftAware a) {
                a.inflate(s, 7.0);
                assertStored(storage, s, "after inflate");
            }
        }
    }

    private static void assertStored(Storage storage, ModelState s, String when) {
        assertTrue(storage.fits(s.values(), 0), when + ": a float value is not a float32");
        double[] v = s.values();
        for (int i = 0; i < v.length; i++) {
            if (storage.kind(i) == Storage.COUNT) {
                assertEquals(Math.rint(v[i]), v[i], 0.0, when + ": count " + i);
            }
        }
        double[] rounded = v.clone();
        storage.round(rounded, 0);
        assertArrayEquals(v, rounded, when + ": rounding changes nothing");
    }

    @Test
    void shouldHaveAStableCanonicalSpec() {
        Learner l = learner();
        Learner again = Learners.create(l.spec(), dimension());
        assertEquals(l.spec(), again.spec(), "the canonical spec must parse back to itself");
        assertEquals(l.newState().values().length, again.newState().values().length);
    }
}
