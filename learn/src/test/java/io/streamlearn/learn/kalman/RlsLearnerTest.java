package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RlsLearnerTest {

    @Test
    void shouldEqualBatchLeastSquaresWithoutForgettingAndALargePrior() {
        int d = 5;
        Learner rls = Learners.create("rls:lambda=1,p0=1e8,scale=none", d);
        ModelState s = rls.newState();
        SplittableRandom r = new SplittableRandom(17);
        int n = 2000;
        double[][] xtx = new double[d + 1][d + 1];
        double[] xty = new double[d + 1];
        double[] truth = {1.5, -2.0, 0.25, 3.0, -0.7, 4.0};
        Prediction out = new Prediction();
        for (int t = 0; t < n; t++) {
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = (i + 1) * r.nextGaussian() + 0.5;
            }
            double[] z = Dense.z(x, true);
            double y = Dense.dot(truth, z) + 0.8 * r.nextGaussian();
            rls.learn(s, x, t, y);
            for (int i = 0; i <= d; i++) {
                xty[i] += z[i] * y;
                for (int j = 0; j <= d; j++) {
                    xtx[i][j] += z[i] * z[j];
                }
            }
            if (t == 500 || t == 1000 || t == n - 1) {
                // the normal equations X'X w = X'y, solved by Gaussian elimination
                double[] batch = Dense.solve(xtx, xty);
                Map<String, double[]> view = rls.inspect(s);
                for (int i = 0; i < d; i++) {
                    assertEquals(batch[i], view.get("weights")[i], 1e-8, "weight " + i + " after " + (t + 1));
                }
                assertEquals(batch[d], view.get("intercept")[0], 1e-8, "intercept after " + (t + 1));
                rls.predict(s, x, t, out);
                assertEquals(Dense.dot(batch, z), out.mean(), 1e-8);
            }
        }
        assertFalse(rls.hasUncertainty());
    }

    @Test
    void shouldMatchTextbookRlsWithForgetting() {
        // Haykin, Adaptive Filter Theory, eqs. 9.25-9.30, dense:
        // k = P z / (lambda + z'P z); w += k e; P = (P - k z'P) / lambda
        int d = 3;
        double lambda = 0.97;
        Learner rls = Learners.create("rls:lambda=0.97,p0=50,intercept=false,scale=none", d);
        ModelState s = rls.newState();
        double[][] P = Dense.identity(d, 50);
        double[] w = new double[d];
        SplittableRandom r = new SplittableRandom(5);
        Prediction out = new Prediction();
        for (int t = 0; t < 5000; t++) {
            // every feature carries at least 5% of |x|^2, so the windup cap (p0) never applies
            double[] x = new double[d];
            for (int i = 0; i < d; i++) {
                x[i] = (r.nextBoolean() ? 1 : -1) * (0.5 + r.nextDouble());
            }
            double y = Math.sin(t / 300.0) * x[0] + 2 * x[1] - x[2] + 0.1 * r.nextGaussian();
            rls.predict(s, x, t, out);
            assertEquals(Dense.dot(w, x), out.mean(), 1e-9, "prediction " + t);
            double[] pz = Dense.mul(P, x);
            double den = lambda + Dense.dot(x, pz);
            double e = y - Dense.dot(w, x);
            for (int i = 0; i < d; i++) {
                w[i] += pz[i] / den * e;
            }
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    P[i][j] = (P[i][j] - pz[i] * pz[j] / den) / lambda;
                }
                // the windup cap (p0) never applies on this data, so the two must agree exactly
                assertTrue(P[i][i] < 50, "reference covariance reached the cap at " + t);
            }
            rls.learn(s, x, t, y);
        }
        double[] diag = rls.inspect(s).get("covarianceDiagonal");
        for (int i = 0; i < d; i++) {
            assertEquals(w[i], rls.inspect(s).get("weights")[i], 1e-9);
            assertEquals(P[i][i], diag[i], 1e-9 * Math.max(1, P[i][i]));
        }
    }

    @Test
    void shouldKeepTheCovarianceBoundedWhenAFeatureStaysAbsentUnderForgetting() {
        int d = 3;
        Learner rls = Learners.create("rls:lambda=0.99,p0=100", d);
        ModelState s = rls.newState();
        SplittableRandom r = new SplittableRandom(9);
        for (int t = 0; t < 100_000; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), 0.0};   // feature 2 absent
            rls.learn(s, x, t, x[0] - x[1] + 0.1 * r.nextGaussian());
            if (t % 10_000 == 0 || t == 99_999) {
                double[] diag = rls.inspect(s).get("covarianceDiagonal");
                // textbook RLS would reach 100 * 0.99^-t: overflow long before 100k events
                for (double v : diag) {
                    assertTrue(v <= 100.0 && v >= 0.0, "covariance diagonal " + v + " at " + t);
                }
            }
        }
        assertTrue(s.isFinite());
        // the feature comes back: it is learned as if fresh
        for (int t = 0; t < 2000; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            rls.learn(s, x, t, x[0] - x[1] + 3 * x[2] + 0.1 * r.nextGaussian());
        }
        assertEquals(3.0, rls.inspect(s).get("weights")[2], 0.05);
        assertTrue(rls.inspect(s).get("covarianceDiagonal")[2] < 0.1, "the returning feature is learned again");
    }

    @Test
    void shouldInflateTheCovariance() {
        RlsLearner rls = (RlsLearner) Learners.create("rls:lambda=1,p0=10,scale=none", 2);
        ModelState s = rls.newState();
        SplittableRandom r = new SplittableRandom(2);
        for (int t = 0; t < 100; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            rls.learn(s, x, t, x[0] + x[1]);
        }
        double[] before = rls.inspect(s).get("covarianceDiagonal");
        rls.inflate(s, 3.0);
        double[] after = rls.inspect(s).get("covarianceDiagonal");
        for (int i = 0; i < before.length; i++) {
            assertEquals(3.0 * before[i], after[i], 1e-15);
        }
        rls.inflate(s, 1e9);
        for (double v : rls.inspect(s).get("covarianceDiagonal")) {
            assertEquals(10.0, v, 1e-9, "inflation stops at the cap p0");
        }
    }

    @Test
    void shouldRefuseBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> Learners.create("rls:lambda=1.5", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("rls:lambda=0", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("rls:p0=-1", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("rls:mu=1", 2));
    }
}
