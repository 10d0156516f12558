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
import static org.junit.jupiter.api.Assertions.assertTrue;

class KalmanBankTest {

    /**
     * Relative agreement with the float64 references: the bank computes in float64 but keeps its state
     * float32 between events (issue #17), so it follows them to about 1e-7 per update, drifting to 1e-5 over thousands of updates.
     */
    static final double FLOAT32 = 1e-4;

    private static void assertClose(double expected, double actual, double tol, String what) {
        assertEquals(expected, actual, tol * Math.max(1.0, Math.abs(expected)), what);
    }

    @Test
    void shouldEqualTheTextbookFilterWhenReducedToOneMemberWithKnownVariance() {
        int d = 3;
        // ratio 0.01, relative prior 4, variance 0.25  <=>  q = 0.0025, r = 0.25, p0 = 1
        Learner bank = Learners.create("kalman:bank=0.01,prior=4,v=0.25,scale=none", d);
        Dense.Kalman ref = new Dense.Kalman(d + 1, 0.0025, 0.25, 1.0);
        ModelState s = bank.newState();
        SplittableRandom rnd = new SplittableRandom(12);
        double[] w = {0.5, -1, 2, 0.1};
        Prediction out = new Prediction();
        for (int t = 0; t < 10_000; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
            for (int i = 0; i < w.length; i++) {
                w[i] += 0.05 * rnd.nextGaussian();
            }
            double[] z = Dense.z(x, true);
            double y = Dense.dot(w, z) + 0.5 * rnd.nextGaussian();
            double qStep = t == 0 ? 0 : 0.0025;
            double[] expected = ref.predict(z, qStep);
            bank.predict(s, x, t, out);
            assertClose(expected[0], out.mean(), FLOAT32, "mean at " + t);
            assertClose(Math.sqrt(expected[1]), out.stddev(), FLOAT32, "stddev at " + t);
            ref.timeUpdate(qStep);
            ref.update(z, y);
            bank.learn(s, x, t, y);
        }
    }

    @Test
    void shouldMatchClosedFormNormalInverseGammaRegressionWhenStatic() {
        // Conjugate regression with prior w | V ~ N(0, V c0 I) and the reference prior on V:
        // Lambda = I/c0 + X'X, mu = Lambda^-1 X'y, b = (y'y - mu' Lambda mu)/2, S = 2b/n,
        // predictive t_n(mu'z, S (1 + z' Lambda^-1 z)).
        int d = 3;
        double c0 = 2.0;
        Learner bank = Learners.create("kalman:bank=0,prior=2,intercept=false,scale=none", d);
        ModelState s = bank.newState();
        SplittableRandom rnd = new SplittableRandom(31);
        double[][] xtx = new double[d][d];
        double[] xty = new double[d];
        double yty = 0;
        Prediction out = new Prediction();
        bank.predict(s, new double[] {1, 2, 3}, 0, out);
        assertEquals(0.0, out.mean());
        assertTrue(Double.isNaN(out.stddev()), "no scale before the first label under the reference prior");
        for (int t = 1; t <= 400; t++) {
            double[] x = {rnd.nextGaussian(), 3 * rnd.nextGaussian(), rnd.nextGaussian() + 1};
            double y = 2 * x[0] - 0.5 * x[1] + x[2] + 1.7 * rnd.nextGaussian();
            if (t > 1) {
                double[][] lambda = Dense.copy(xtx);
                for (int i = 0; i < d; i++) {
                    lambda[i][i] += 1 / c0;
                }
                double[] mu = Dense.solve(lambda, xty);
                int n = t - 1;
                double b = 0.5 * (yty - Dense.dot(mu, Dense.mul(lambda, mu)));
                double scale2 = 2 * b / n * (1 + Dense.dot(x, Dense.solve(lambda, x)));
                double nu = Math.max(n, 3);
                bank.predict(s, x, t, out);
                assertClose(Dense.dot(mu, x), out.mean(), FLOAT32, "mean at " + t);
                assertClose(Math.sqrt(scale2 * nu / (nu - 2)), out.stddev(), FLOAT32, "stddev at " + t);
                Map<String, double[]> view = bank.inspect(s);
                assertClose(2 * b / n, view.get("noiseVariance")[0], FLOAT32, "S at " + t);
                for (int i = 0; i < d; i++) {
                    assertClose(mu[i], view.get("member0.weights")[i], FLOAT32, "weight " + i + " at " + t);
                }
            }
            bank.learn(s, x, t, y);
            yty += y * y;
            for (int i = 0; i < d; i++) {
                xty[i] += x[i] * y;
                for (int j = 0; j < d; j++) {
                    xtx[i][j] += x[i] * x[j];
                }
            }
        }
    }

    @Test
    void shouldWeighMembersByTheirPosteriorModelProbabilities() {
        // Tiny hand example: d = 1 with intercept, three members, 7 labels. Under member M the labels
        // are jointly y ~ N(0, V Sigma_M) with
        //   Sigma_M[i][j] = z_i' (c0 + delta_M (min(i,j) - 1)) z_j + [i == j]
        // (prior c0, one random-walk step of variance delta_M between consecutive events), and with
        // the reference prior p(V) ~ 1/V:  p(y | M) ~ |Sigma_M|^-1/2 (y' Sigma_M^-1 y)^-t/2, the same
        // constant for every member. The first label's density is also the same for every member
        // (no step precedes it), so P(M | y) ~ |Sigma_M|^-1/2 (y' Sigma_M^-1 y)^-t/2.
        double[] deltas = {0.0, 0.05, 0.8};
        double c0 = 2.0;
        Learner bank = Learners.create("kalman:bank=0/0.05/0.8,prior=2,alpha=1,scale=none", 1);
        ModelState s = bank.newState();
        double[][] xs = {{0.3}, {-1.2}, {2.0}, {0.7}, {-0.4}, {1.5}, {-2.2}};
        double[] ys = {1.1, -0.5, 3.9, 0.2, 2.5, -1.0, -3.0};
        for (int t = 0; t < ys.length; t++) {
            bank.learn(s, xs[t], t, ys[t]);
            int n = t + 1;
            if (n < 2) {
                continue;
            }
            double[] logPost = new double[deltas.length];
            for (int m = 0; m < deltas.length; m++) {
                double[][] sigma = new double[n][n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        double[] zi = Dense.z(xs[i], true);
                        double[] zj = Dense.z(xs[j], true);
                        double v = c0 + deltas[m] * Math.min(i, j);
                        sigma[i][j] = v * Dense.dot(zi, zj) + (i == j ? 1 : 0);
                    }
                }
                double[] y = java.util.Arrays.copyOf(ys, n);
                double quad = Dense.dot(y, Dense.solve(sigma, y));
                logPost[m] = -0.5 * Dense.logDet(sigma) - 0.5 * n * Math.log(quad);
            }
            double max = Math.max(logPost[0], Math.max(logPost[1], logPost[2]));
            double total = 0;
            for (int m = 0; m < deltas.length; m++) {
                total += Math.exp(logPost[m] - max);
            }
            double[] probabilities = bank.inspect(s).get("memberProbabilities");
            for (int m = 0; m < deltas.length; m++) {
                assertClose(Math.exp(logPost[m] - max) / total, probabilities[m], FLOAT32,
                        "P(member " + m + " | " + n + " labels)");
            }
        }
    }

    @Test
    void shouldAverageKnownVarianceMembersLikeAnIndependentMixture() {
        // Three textbook filters (dense), Gaussian predictive log-likelihoods accumulated with
        // forgetting alpha, softmax weights, mixture mean and law-of-total-variance stddev.
        int d = 2;
        double v = 0.5;
        double alpha = 0.98;
        double[] deltas = {0.0, 0.01, 0.2};
        Learner bank = Learners.create("kalman:bank=0/0.01/0.2,prior=3,alpha=0.98,v=0.5,scale=none", d);
        ModelState s = bank.newState();
        Dense.Kalman[] refs = new Dense.Kalman[3];
        double[] logW = new double[3];
        for (int m = 0; m < 3; m++) {
            refs[m] = new Dense.Kalman(d + 1, deltas[m] * v, v, 3 * v);
        }
        SplittableRandom rnd = new SplittableRandom(77);
        double[] w = {1, -1, 0.5};
        Prediction out = new Prediction();
        for (int t = 0; t < 3000; t++) {
            if (t == 1500) {
                w = new double[] {-2, 3, 1};   // a regime change
            }
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian()};
            double[] z = Dense.z(x, true);
            double y = Dense.dot(w, z) + Math.sqrt(v) * rnd.nextGaussian();
            double qFactor = t == 0 ? 0 : 1;
            double[][] pred = new double[3][];
            double max = Double.NEGATIVE_INFINITY;
            for (int m = 0; m < 3; m++) {
                pred[m] = refs[m].predict(z, qFactor * deltas[m] * v);
                max = Math.max(max, logW[m]);
            }
            double total = 0;
            double mean = 0;
            for (int m = 0; m < 3; m++) {
                total += Math.exp(logW[m] - max);
                mean += Math.exp(logW[m] - max) * pred[m][0];
            }
            mean /= total;
            double var = 0;
            for (int m = 0; m < 3; m++) {
                double dev = pred[m][0] - mean;
                var += Math.exp(logW[m] - max) / total * (pred[m][1] + dev * dev);
            }
            bank.predict(s, x, t, out);
            assertClose(mean, out.mean(), FLOAT32, "mixture mean at " + t);
            assertClose(Math.sqrt(var), out.stddev(), FLOAT32, "mixture stddev at " + t);
            for (int m = 0; m < 3; m++) {
                double e = y - pred[m][0];
                logW[m] = alpha * logW[m] - 0.5 * Math.log(2 * Math.PI * pred[m][1]) - 0.5 * e * e / pred[m][1];
                refs[m].timeUpdate(qFactor * deltas[m] * v);
                refs[m].update(z, y);
            }
            bank.learn(s, x, t, y);
        }
    }

    @Test
    void shouldNotDependOnTheUnitsOfTheLabel() {
        Learner bank = Learners.create("kalman", 3);
        ModelState a = bank.newState();
        ModelState b = bank.newState();
        SplittableRandom rnd = new SplittableRandom(5);
        Prediction pa = new Prediction();
        Prediction pb = new Prediction();
        double[] w = {1, 2, -1};
        for (int t = 0; t < 5000; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
            w[t % 3] += 0.02 * rnd.nextGaussian();
            double y = Dense.dot(w, x) + 0.3 + 0.4 * rnd.nextGaussian();
            bank.predict(a, x, t, pa);
            bank.predict(b, x, t, pb);
            // relative to the labels' scale, 1000 in b (a mean near 0 is rounded as a label of 1000 is)
            assertEquals(1000 * pa.mean(), pb.mean(), FLOAT32 * Math.max(1000, Math.abs(pb.mean())), "mean at " + t);
            if (t > 0) {
                assertEquals(1000 * pa.stddev(), pb.stddev(), FLOAT32 * pb.stddev(), "stddev at " + t);
            }
            bank.learn(a, x, t, y);
            bank.learn(b, x, t, 1000 * y);
        }
        double[] pa1 = bank.inspect(a).get("memberProbabilities");
        double[] pb1 = bank.inspect(b).get("memberProbabilities");
        for (int m = 0; m < pa1.length; m++) {
            assertEquals(pa1[m], pb1[m], FLOAT32);
        }
    }

    @Test
    void shouldFavourTheMemberWhoseDriftMatchesTheData() {
        Learner bank = Learners.create("kalman", 2);
        ModelState still = bank.newState();
        ModelState moving = bank.newState();
        SplittableRandom rnd = new SplittableRandom(6);
        double[] w = {1, -1, 0};
        for (int t = 0; t < 3000; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian()};
            bank.learn(still, x, t, x[0] - x[1] + 0.5 * rnd.nextGaussian());
            for (int i = 0; i < 3; i++) {
                w[i] += Math.sqrt(0.1 * 0.25) * rnd.nextGaussian();   // ratio 0.1
            }
            bank.learn(moving, x, t, w[0] * x[0] + w[1] * x[1] + w[2] + 0.5 * rnd.nextGaussian());
        }
        double[] pStill = bank.inspect(still).get("memberProbabilities");
        double[] pMoving = bank.inspect(moving).get("memberProbabilities");
        assertTrue(pStill[0] > 0.5, "static data favour ratio 0: " + java.util.Arrays.toString(pStill));
        assertTrue(pMoving[3] > 0.5, "fast drift favours ratio 0.1: " + java.util.Arrays.toString(pMoving));
        assertEquals(0.25, bank.inspect(still).get("noiseVariance")[0], 0.03);
    }

    @Test
    void shouldKeepEveryMemberBoundedWhenAFeatureStaysAbsent() {
        KalmanBank bank = (KalmanBank) Learners.create("kalman:alpha=0.99,scale=none", 2);
        ModelState s = bank.newState();
        SplittableRandom rnd = new SplittableRandom(8);
        for (int t = 0; t < 100_000; t++) {
            double[] x = {rnd.nextGaussian(), 0.0};
            bank.learn(s, x, t, 2 * x[0] + 1 + 0.5 * rnd.nextGaussian());
        }
        assertTrue(s.isFinite());
        // relative covariance of every member <= prior (4); in label units <= 4 S + spread
        Map<String, double[]> view = bank.inspect(s);
        double maxS = 0;
        for (double v : view.get("noiseVariance")) {
            maxS = Math.max(maxS, v);
        }
        double absent = view.get("covarianceDiagonal")[1];
        assertTrue(absent <= 4 * maxS * (1 + 1e-12), "absent feature's variance " + absent + " (ratio 0.1 textbook: 1e4 S)");
        assertTrue(absent >= 3.9 * 0.25, "and it does reach the prior: " + absent);
        Prediction out = new Prediction();
        bank.predict(s, new double[] {1, 0}, 100_000, out);
        assertEquals(3.0, out.mean(), 0.1);
        assertFalse(out.stddev() > 1.0);
    }

    @Test
    void shouldInflateEveryMember() {
        KalmanBank bank = (KalmanBank) Learners.create("kalman:bank=0/0.01,scale=none", 2);
        ModelState s = bank.newState();
        SplittableRandom rnd = new SplittableRandom(8);
        for (int t = 0; t < 300; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian()};
            bank.learn(s, x, t, x[0] + 0.5 * rnd.nextGaussian());
        }
        Prediction before = new Prediction();
        Prediction after = new Prediction();
        double[] x = {0.5, 0.5};
        double[] diagBefore = bank.inspect(s).get("covarianceDiagonal");
        bank.predict(s, x, 300, before);
        bank.inflate(s, 10.0);
        bank.predict(s, x, 300, after);
        double[] diagAfter = bank.inspect(s).get("covarianceDiagonal");
        assertEquals(before.mean(), after.mean(), 1e-15);
        assertTrue(after.stddev() > before.stddev(), before + " -> " + after);
        for (int i = 0; i < diagBefore.length; i++) {
            // mixture variance = sum p (S C_ii + spread^2): the C part grows tenfold
            assertTrue(diagAfter[i] > 5 * diagBefore[i], "weight " + i + ": " + diagBefore[i] + " -> " + diagAfter[i]);
        }
    }

    @Test
    void shouldStayFiniteWhenLabelsAreExactlyZeroAndThenNot() {
        Learner bank = Learners.create("kalman", 2);
        ModelState s = bank.newState();
        Prediction out = new Prediction();
        SplittableRandom rnd = new SplittableRandom(10);
        for (int t = 0; t < 200; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian()};
            bank.predict(s, x, t, out);
            if (t > 0) {
                assertEquals(0.0, out.mean());
                assertEquals(0.0, out.stddev(), "no error seen yet: no noise");
            }
            bank.learn(s, x, t, 0.0);
        }
        for (int t = 200; t < 400; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian()};
            bank.predict(s, x, t, out);
            assertTrue(Double.isFinite(out.mean()) && out.stddev() >= 0 && Double.isFinite(out.stddev()), "at " + t);
            bank.learn(s, x, t, 3 * x[0] + rnd.nextGaussian());
        }
        assertTrue(s.isFinite());
        assertEquals(3.0, bank.inspect(s).get("weights")[0], 0.3);
    }

    @Test
    void shouldScaleTheRatioByElapsedSecondsWithQtime() {
        // one member, known variance 2, ratio 0.01 per second  <=>  textbook q = 0.02 per second
        Learner bank = Learners.create("kalman:bank=0.01,prior=1,v=2,qtime=true,intercept=false,scale=none", 2);
        Dense.Kalman ref = new Dense.Kalman(2, 0.0, 2.0, 2.0);
        ModelState s = bank.newState();
        SplittableRandom rnd = new SplittableRandom(14);
        Prediction out = new Prediction();
        long time = 1_000_000L;
        long previous = 0;
        for (int t = 0; t < 2000; t++) {
            time += rnd.nextInt(3000);               // gaps of 0 to 3 s, sometimes none
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian()};
            double y = x[0] - x[1] + Math.sqrt(2) * rnd.nextGaussian();
            double qStep = t == 0 ? 0 : 0.02 * (time - previous) / 1000.0;
            double[] expected = ref.predict(x, qStep);
            bank.predict(s, x, time, out);
            assertClose(expected[0], out.mean(), FLOAT32, "mean at " + t);
            assertClose(Math.sqrt(expected[1]), out.stddev(), FLOAT32, "stddev at " + t);
            ref.timeUpdate(qStep);
            ref.update(x, y);
            bank.learn(s, x, time, y);
            previous = time;
        }
    }
}
