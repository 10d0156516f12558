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
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LagsCompositeTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "lags:p=3+sgd";
    }

    @Override
    protected int stressUpdates() {
        return 200_000;
    }

    @Test
    void shouldFeedTheReadoutTheFeaturesFollowedByTheLastLabels() {
        int d = 2;
        int p = 3;
        Learner composite = Learners.create("lags:p=3+sgd:lr=0.2", d);
        Learner reference = new SgdLearner(d + p, 0.2);      // fed [x, y_{t-1}, y_{t-2}, y_{t-3}] by hand
        ModelState cs = composite.newState();
        ModelState rs = reference.newState();
        Prediction cp = new Prediction();
        Prediction rp = new Prediction();
        List<Double> labels = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(2);
        for (int t = 0; t < 500; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            double[] z = new double[d + p];
            z[0] = x[0];
            z[1] = x[1];
            for (int i = 1; i <= p; i++) {
                z[d + i - 1] = labels.size() >= i ? labels.get(labels.size() - i) : 0.0;
            }
            double y = 0.5 * x[0] + (labels.isEmpty() ? 0 : 0.8 * labels.get(labels.size() - 1)) + 0.1 * r.nextGaussian();
            composite.predict(cs, x, t, cp);
            reference.predict(rs, z, t, rp);
            assertEquals(rp.mean(), cp.mean(), 0.0, "prediction at " + t);
            composite.observe(cs, x, t);
            if (t % 3 != 2) {                       // some events unlabelled: lags only move with labels
                composite.learn(cs, x, t, y);
                reference.learn(rs, z, t, y);
                labels.add(y);
            }
        }
        Map<String, double[]> view = composite.inspect(cs);
        int n = labels.size();
        assertArrayEquals(new double[] {labels.get(n - 1), labels.get(n - 2), labels.get(n - 3)}, view.get("lags.window"), 0.0);
        assertArrayEquals(rs.values(), view.get("readout.values"), 0.0);
        assertFalse(composite.observesEvents());
    }

    @Test
    void shouldShowAPartialWindowBeforePLabels() {
        Learner l = Learners.create("lags:p=4+sgd", 1);
        ModelState s = l.newState();
        l.learn(s, new double[] {1}, 0, 5.0);
        l.learn(s, new double[] {1}, 1, 7.0);
        assertArrayEquals(new double[] {7.0, 5.0}, l.inspect(s).get("lags.window"), 0.0);
    }

    @Test
    void shouldSplitTheWindowIntoMovingAverageTrendAndRemainderAsDlinear() {
        int p = 6;
        int k = 3;
        Learner l = Learners.create("lags:p=6,split=dlinear,ma=3+sgd", 1);
        assertEquals(1 + 2 * p, ((CompositeLearner) l).readoutDimension());
        ModelState s = l.newState();
        double[] ys = {3, -1, 4, 1, -5, 9, 2, 6};
        for (int t = 0; t < ys.length; t++) {
            l.learn(s, new double[] {0.5}, t, ys[t]);
        }
        // DLinear's moving_avg: the series in time order, padded by repeating its end values, average-pooled
        double[] window = {ys[2], ys[3], ys[4], ys[5], ys[6], ys[7]};   // oldest .. newest
        double[] padded = new double[p + k - 1];
        for (int i = 0; i < padded.length; i++) {
            padded[i] = window[Math.min(p - 1, Math.max(0, i - k / 2))];
        }
        double[] trendLagOrder = new double[p];
        double[] remainderLagOrder = new double[p];
        for (int i = 0; i < p; i++) {
            double avg = (padded[i] + padded[i + 1] + padded[i + 2]) / 3.0;
            trendLagOrder[p - 1 - i] = avg;
            remainderLagOrder[p - 1 - i] = window[i] - avg;
        }
        Map<String, double[]> view = l.inspect(s);
        assertArrayEquals(trendLagOrder, view.get("lags.trend"), 1e-12);
        assertArrayEquals(remainderLagOrder, view.get("lags.remainder"), 1e-12);
    }

    @Test
    void shouldRefuseMalformedCompositions() {
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd+sgd", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("lags:p=2", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("lags:p=2,bogus=1+sgd", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("drift+lags:p=2+sgd", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("lags:p=0+sgd", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("lags:p=4,split=dlinear,ma=2+sgd", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("ema:tau=soon+sgd", 2));
    }

    @Test
    void shouldWriteACanonicalSpecForEveryStage() {
        Learner l = Learners.create("lags:p=24+ema:tau=60s/1h/1d+sgd", 3);
        assertInstanceOf(CompositeLearner.class, l);
        assertEquals("lags:p=24,split=none+ema:tau=1m/1h/1d,of=label+sgd:loss=squared,step=normalized,lr=2,label_scale=true,l1=0,l2=0,clip=0,average=false,intercept=true,intercept_lr=2", l.spec());
        assertEquals(3 + 24 + 3, ((CompositeLearner) l).readoutDimension());
        assertEquals(24 + 2 + 3 * 2 + 1 + 1 + Learners.create("sgd", 3 + 24 + 3).newState().values().length, l.newState().values().length);
    }

    @Test
    void shouldGiveTheSamePredictionsFromManyThreads() throws Exception {
        Learner l = Learners.create("lags:p=4+ema:tau=10ms/1s,of=features+sgd", 3);
        int keys = 8;
        int events = 2000;
        double[][] expected = new double[keys][events];
        for (int k = 0; k < keys; k++) {
            run(l, k, expected[k]);
        }
        double[][] actual = new double[keys][events];
        Thread[] threads = new Thread[keys];
        for (int k = 0; k < keys; k++) {
            int key = k;
            threads[k] = new Thread(() -> run(l, key, actual[key]));
            threads[k].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        for (int k = 0; k < keys; k++) {
            assertArrayEquals(expected[k], actual[k], 0.0, "key " + k);
        }
        assertTrue(l.observesEvents());
    }

    private static void run(Learner l, int key, double[] predictions) {
        ModelState s = l.newState();
        Prediction p = new Prediction();
        SplittableRandom r = new SplittableRandom(key);
        for (int t = 0; t < predictions.length; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            l.predict(s, x, 10L * t, p);
            predictions[t] = p.mean();
            l.observe(s, x, 10L * t);
            l.learn(s, x, 10L * t, x[0] - x[1] + r.nextGaussian());
        }
    }
}
