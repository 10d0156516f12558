package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KalmanLearnerTest {

    private static void assertClose(double expected, double actual, double tol, String what) {
        assertEquals(expected, actual, tol * Math.max(1.0, Math.abs(expected)), what);
    }

    @Test
    void shouldMatchTheTextbookFilterOverTenThousandSteps() {
        int d = 4;
        double q = 2e-4;
        double r = 0.3;
        double p0 = 1.0;
        Learner kf = Learners.create("kalman:q=2e-4,r=0.3,p0=1", d);
        ModelState s = kf.newState();
        Dense.Kalman ref = new Dense.Kalman(d + 1, q, r, p0);
        SplittableRandom rnd = new SplittableRandom(21);
        double[] w = {1, -1, 0.5, 2, 0.3};
        Prediction out = new Prediction();
        for (int t = 0; t < 10_000; t++) {
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = rnd.nextGaussian();
                w[i] += 0.01 * rnd.nextGaussian();
            }
            double[] z = Dense.z(x, true);
            double y = Dense.dot(w, z) + Math.sqrt(r) * rnd.nextGaussian();
            double qStep = t == 0 ? 0.0 : q;
            double[] expected = ref.predict(z, qStep);
            kf.predict(s, x, t, out);
            assertClose(expected[0], out.mean(), 1e-9, "mean at " + t);
            assertClose(Math.sqrt(expected[1]), out.stddev(), 1e-9, "stddev at " + t);
            ref.timeUpdate(qStep);
            ref.update(z, y);
            kf.learn(s, x, t, y);
            for (int i = 0; i <= d; i++) {
                assertTrue(ref.P[i][i] < p0, "the cap never applies on this data");
            }
        }
        double[] weights = kf.inspect(s).get("weights");
        double[] diag = kf.inspect(s).get("covarianceDiagonal");
        for (int i = 0; i < d; i++) {
            assertClose(ref.w[i], weights[i], 1e-9, "weight " + i);
            assertClose(ref.P[i][i], diag[i], 1e-9, "covariance " + i);
        }
        assertClose(ref.w[d], kf.inspect(s).get("intercept")[0], 1e-9, "intercept");
    }

    @Test
    void shouldScaleProcessNoiseByElapsedSecondsWithQtime() {
        int d = 2;
        double q = 1e-3;
        Learner kf = Learners.create("kalman:q=1e-3,qtime=true,r=0.5,p0=2,intercept=false", d);
        ModelState s = kf.newState();
        Dense.Kalman ref = new Dense.Kalman(d, q, 0.5, 2.0);
        SplittableRandom rnd = new SplittableRandom(4);
        long time = 1_700_000_000_000L;
        long previous = 0;
        Prediction out = new Prediction();
        for (int t = 0; t < 3000; t++) {
            time += 1 + rnd.nextInt(5000);            // irregular gaps up to 5 s
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian()};
            double y = 2 * x[0] - x[1] + 0.7 * rnd.nextGaussian();
            double qStep = t == 0 ? 0.0 : q * (time - previous) / 1000.0;
            double[] expected = ref.predict(x, qStep);
            kf.predict(s, x, time, out);
            assertClose(expected[0], out.mean(), 1e-9, "mean at " + t);
            assertClose(Math.sqrt(expected[1]), out.stddev(), 1e-9, "stddev at " + t);
            ref.timeUpdate(qStep);
            ref.update(x, y);
            kf.learn(s, x, time, y);
            previous = time;
        }
    }

    @Test
    void shouldScoreWithinTwoPercentOfTheExactFilterOnRandomWalkData() {
        int d = 6;
        double q = 0.0025;   // the generator's per-event variance of each weight's step
        double r = 0.25;     // the generator's noise variance
        double p0 = 1.0;     // the generator's prior variance
        Learner kf = Learners.create("kalman:q=0.0025,r=0.25,p0=1,intercept=false", d);
        SplittableRandom rnd = new SplittableRandom(99);
        int keys = 20;
        int events = 20_000;
        ModelState[] states = new ModelState[keys];
        Dense.Kalman[] exact = new Dense.Kalman[keys];
        double[][] w = new double[keys][d];
        boolean[] seen = new boolean[keys];
        for (int k = 0; k < keys; k++) {
            states[k] = kf.newState();
            exact[k] = new Dense.Kalman(d, q, r, p0);
            for (int i = 0; i < d; i++) {
                w[k][i] = Math.sqrt(p0) * rnd.nextGaussian();
            }
        }
        double learnerSse = 0;
        double exactSse = 0;
        double meanSse = 0;
        Prediction out = new Prediction();
        for (int t = 0; t < events; t++) {
            int k = rnd.nextInt(keys);
            if (seen[k]) {
                for (int i = 0; i < d; i++) {
                    w[k][i] += Math.sqrt(q) * rnd.nextGaussian();
                }
            }
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = rnd.nextGaussian();
            }
            double y = Dense.dot(w[k], x) + Math.sqrt(r) * rnd.nextGaussian();
            double qStep = seen[k] ? q : 0.0;
            double exactPrediction = exact[k].predict(x, qStep)[0];
            exact[k].timeUpdate(qStep);
            exact[k].update(x, y);
            kf.predict(states[k], x, t, out);
            kf.learn(states[k], x, t, y);
            learnerSse += (out.mean() - y) * (out.mean() - y);
            exactSse += (exactPrediction - y) * (exactPrediction - y);
            meanSse += y * y;
            seen[k] = true;
        }
        double ratio = learnerSse / exactSse;
        assertTrue(ratio < 1.02 && ratio > 0.98, "MSE ratio to the exact filter " + ratio);
        assertTrue(exactSse < 0.2 * meanSse, "the data carry signal the filter follows");
    }

    @Test
    void shouldMatchWestAndHarrisonUnknownVarianceRecursionWithRAuto() {
        // West & Harrison (1997) sec. 4.6 with absolute W = q I, dense:
        // R = C + W; f = m'z; Q = z'Rz + S; A = Rz/Q; e = y - f; m += A e;
        // n' = n + 1; S' = S (n + e^2/Q) / n'; C = (S'/S)(R - A A' Q)
        int d = 3;
        double q = 1e-3;
        Learner kf = Learners.create("kalman:q=1e-3,r=auto,r0=2,p0=1", d);
        ModelState s = kf.newState();
        int p = d + 1;
        double[] m = new double[p];
        double[][] C = Dense.identity(p, 1.0);
        double n = 1;
        double S = 2.0;
        double[] truth = {1, -2, 0, 0.5};
        SplittableRandom rnd = new SplittableRandom(8);
        Prediction out = new Prediction();
        for (int t = 0; t < 3000; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
            double[] z = Dense.z(x, true);
            for (int i = 0; i < p; i++) {
                truth[i] += Math.sqrt(q) * rnd.nextGaussian();
            }
            double y = Dense.dot(truth, z) + 0.3 * rnd.nextGaussian();
            double[][] R = Dense.copy(C);
            if (t > 0) {
                for (int i = 0; i < p; i++) {
                    R[i][i] += q;
                }
            }
            double[] rz = Dense.mul(R, z);
            double Q = Dense.dot(z, rz) + S;
            double nu = Math.max(n, 3);
            kf.predict(s, x, t, out);
            assertClose(Dense.dot(m, z), out.mean(), 1e-9, "mean at " + t);
            assertClose(Math.sqrt(Q * nu / (nu - 2)), out.stddev(), 1e-9, "stddev at " + t);
            double e = y - Dense.dot(m, z);
            for (int i = 0; i < p; i++) {
                m[i] += rz[i] / Q * e;
            }
            double nextS = S * (n + e * e / Q) / (n + 1);
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    C[i][j] = nextS / S * (R[i][j] - rz[i] * rz[j] / Q);
                }
            }
            S = nextS;
            n += 1;
            kf.learn(s, x, t, y);
        }
        assertClose(S, kf.inspect(s).get("noiseVariance")[0], 1e-9, "noise variance");
        assertEquals(0.09, S, 0.02, "the learned noise variance is near the generator's 0.09");
    }

    @Test
    void shouldKeepTheCovarianceBoundedWhenAFeatureStaysAbsent() {
        Learner kf = Learners.create("kalman:q=0.01,r=1,p0=2", 2);
        ModelState s = kf.newState();
        SplittableRandom rnd = new SplittableRandom(3);
        for (int t = 0; t < 100_000; t++) {
            double[] x = {rnd.nextGaussian(), 0.0};
            kf.learn(s, x, t, x[0] + rnd.nextGaussian());
        }
        double[] diag = kf.inspect(s).get("covarianceDiagonal");
        assertEquals(2.0, diag[1], 1e-12, "the absent feature's variance stops at the prior (textbook: 1000)");
        assertTrue(diag[0] < 0.2);
        Prediction out = new Prediction();
        kf.predict(s, new double[] {1, 1}, 100_000, out);
        assertTrue(Double.isFinite(out.stddev()) && out.stddev() < 2.5);
    }

    @Test
    void shouldInflateTheCovariance() {
        KalmanLearner kf = (KalmanLearner) Learners.create("kalman:q=0,r=1,p0=5", 2);
        ModelState s = kf.newState();
        SplittableRandom rnd = new SplittableRandom(3);
        for (int t = 0; t < 50; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian()};
            kf.learn(s, x, t, x[0] + rnd.nextGaussian());
        }
        double[] before = kf.inspect(s).get("covarianceDiagonal");
        kf.inflate(s, 2.0);
        double[] after = kf.inspect(s).get("covarianceDiagonal");
        for (int i = 0; i < before.length; i++) {
            assertEquals(2 * before[i], after[i], 1e-15);
        }
        assertThrows(IllegalArgumentException.class, () -> kf.inflate(s, Double.NaN));
    }

    @Test
    void shouldRefuseMixedOrBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:q=1e-3,prior=2", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:p0=2", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:q=1e-3,r=1,r0=2", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:q=-1,r=1", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:q=1,r=0", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:q=1,r=1,lr=2", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:bank=0/x", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:alpha=1.5", 2));
        assertTrue(Learners.create("kalman:r=auto", 2) instanceof KalmanLearner);
    }
}
