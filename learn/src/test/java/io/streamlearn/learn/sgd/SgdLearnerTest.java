package io.streamlearn.learn.sgd;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.features.FeatureSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Numerical checks of the sgd family, each against a reference computed independently here. */
class SgdLearnerTest {

    private static double predict(Learner l, ModelState s, double[] x) {
        Prediction p = new Prediction();
        l.predict(s, x, 0L, p);
        return p.mean();
    }

    /** Solves A z = b by Gaussian elimination with partial pivoting (A is copied). */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n] = b[i];
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
                    pivot = r;
                }
            }
            double[] t = m[c];
            m[c] = m[pivot];
            m[pivot] = t;
            for (int r = c + 1; r < n; r++) {
                double f = m[r][c] / m[c][c];
                for (int k = c; k <= n; k++) {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
        double[] z = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double v = m[i][n];
            for (int k = i + 1; k < n; k++) {
                v -= m[i][k] * z[k];
            }
            z[i] = v / m[i][i];
        }
        return z;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "sgd:step=adagrad,lr=0.5", "sgd:step=ftrl,alpha=0.5", "sgd:step=constant,lr=0.02",
        "sgd:step=adam,lr=0.01", "sgd:step=normalized,label_scale=false,lr=4"})
    void shouldReachTheLeastSquaresWeightsOnNoiselessStaticData(String spec) {
        // correlated features with non-zero means and different scales
        int d = 3;
        SplittableRandom r = new SplittableRandom(1);
        int n = 40_000;
        double[][] xs = new double[n][];
        double[] ys = new double[n];
        for (int t = 0; t < n; t++) {
            double u = r.nextGaussian();
            double v = r.nextGaussian();
            double[] x = {1.0 + u, 0.5 * u + 2.0 * v - 1.0, 3.0 * r.nextGaussian()};
            xs[t] = x;
            ys[t] = 2.0 * x[0] - 1.0 * x[1] + 0.5 * x[2] + 3.0;
        }
        // the closed form: normal equations (X'X) beta = X'y over [x, 1]
        double[][] xtx = new double[d + 1][d + 1];
        double[] xty = new double[d + 1];
        for (int t = 0; t < n; t++) {
            double[] z = {xs[t][0], xs[t][1], xs[t][2], 1.0};
            for (int i = 0; i <= d; i++) {
                xty[i] += z[i] * ys[t];
                for (int j = 0; j <= d; j++) {
                    xtx[i][j] += z[i] * z[j];
                }
            }
        }
        double[] beta = solve(xtx, xty);

        Learner l = Learners.create(spec, d);
        ModelState s = l.newState();
        for (int t = 0; t < n; t++) {
            l.learn(s, xs[t], t, ys[t]);
        }
        Map<String, double[]> view = l.inspect(s);
        double[] w = view.get("weights");
        for (int i = 0; i < d; i++) {
            assertEquals(beta[i], w[i], 1e-4, spec + ": weight " + i);
        }
        assertEquals(beta[d], view.get("intercept")[0], 1e-4, spec + ": intercept");
        assertEquals(beta[0] - beta[1] + 2 * beta[2] + beta[3], predict(l, s, new double[] {1, -1, 2}), 1e-3);
    }

    @Test
    void shouldReproduceFtrlProximalByHand() {
        // McMahan et al. 2013, algorithm 1, per coordinate i with x_i != 0, squared loss, no intercept:
        //   w_i = 0 if |z_i| <= l1, else -(z_i - sgn(z_i) l1) / ((beta + sqrt(n_i)) / alpha + l2)
        //   p = w.x ; g_i = (p - y) x_i ; sigma_i = (sqrt(n_i + g_i^2) - sqrt(n_i)) / alpha
        //   z_i += g_i - sigma_i w_i ; n_i += g_i^2
        // alpha = 0.5, beta = 1, l1 = 0.2, l2 = 0.1.
        Learner l = Learners.create("sgd:step=ftrl,alpha=0.5,beta=1,l1=0.2,l2=0.1,intercept=false", 2);
        ModelState s = l.newState();
        // step 1: x = (1, -2), y = 1; w = 0 so p = 0; g = (-1, 2); sigma = (2, 4); z = (-1, 2); n = (1, 4)
        assertEquals(0.0, predict(l, s, new double[] {1, -2}), 0.0);
        l.learn(s, new double[] {1, -2}, 0, 1.0);
        Map<String, double[]> v = l.inspect(s);
        assertArrayEquals(new double[] {-1, 2, 0}, v.get("ftrlZ"), 1e-15);
        assertArrayEquals(new double[] {1, 4, 0}, v.get("ftrlN"), 1e-15);
        // w_0 = -(-1 + 0.2) / ((1 + 1) / 0.5 + 0.1) = 0.8 / 4.1 ; w_1 = -(2 - 0.2) / ((1 + 2) / 0.5 + 0.1) = -1.8 / 6.1
        assertArrayEquals(new double[] {0.8 / 4.1, -1.8 / 6.1}, v.get("weights"), 1e-15);
        // step 2: x = (0.5, 1), y = -1: p = 0.5 w_0 + w_1 = -0.19752099160335868
        assertEquals(0.5 * 0.8 / 4.1 - 1.8 / 6.1, predict(l, s, new double[] {0.5, 1}), 1e-15);
        l.learn(s, new double[] {0.5, 1}, 1, -1.0);
        v = l.inspect(s);
        assertArrayEquals(new double[] {-0.6290020241257905, 2.8939472375080926, 0}, v.get("ftrlZ"), 1e-12);
        assertArrayEquals(new double[] {1.1609931397293143, 4.643972558917257, 0}, v.get("ftrlN"), 1e-12);
        assertArrayEquals(new double[] {0.10082332570560903, -0.4202741754672021}, v.get("weights"), 1e-12);
        // step 3: x = (2, 0), y = 0.5: only coordinate 0 moves
        assertEquals(0.20164665141121807, predict(l, s, new double[] {2, 0}), 1e-12);
        l.learn(s, new double[] {2, 0}, 2, 0.5);
        v = l.inspect(s);
        assertArrayEquals(new double[] {-1.2568011712257374, 2.8939472375080926, 0}, v.get("ftrlZ"), 1e-12);
        assertArrayEquals(new double[] {0.23158332625704492, -0.4202741754672021}, v.get("weights"), 1e-12);
    }

    @Test
    void shouldGiveExactZerosWithFtrlL1OnIrrelevantFeatures() {
        double[] lasso = ftrlWeights("sgd:step=ftrl,alpha=0.5,l1=20");
        double[] ridge = ftrlWeights("sgd:step=ftrl,alpha=0.5");
        for (int i = 2; i < 6; i++) {
            assertEquals(0.0, lasso[i], 0.0, "irrelevant weight " + i + " must be exactly zero");
            assertNotEquals(0.0, ridge[i], "without l1 the weight is small but not zero");
        }
        assertEquals(3.0, lasso[0], 0.05);
        assertEquals(-2.0, lasso[1], 0.05);
    }

    private static double[] ftrlWeights(String spec) {
        Learner l = Learners.create(spec, 6);
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(4);
        for (int t = 0; t < 20_000; t++) {
            double[] x = new double[6];
            for (int i = 0; i < 6; i++) {
                x[i] = r.nextGaussian();
            }
            l.learn(s, x, t, 3 * x[0] - 2 * x[1] + 0.1 * r.nextGaussian());
        }
        return l.inspect(s).get("weights");
    }

    @Test
    void shouldMatchAdamByHandForTwoSteps() {
        // Kingma and Ba 2015, algorithm 1: m = b1 m + (1-b1) g ; v = b2 v + (1-b2) g^2 ;
        // w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps); lr 0.1, b1 0.9, b2 0.999, eps 1e-8
        Learner l = Learners.create("sgd:step=adam,lr=0.1,intercept=false", 2);
        ModelState s = l.newState();
        // step 1: x = (1, 2), y = 3, p = 0, g = (-3, -6): m-hat = g, v-hat = g^2, w = lr |g| / (|g| + eps)
        l.learn(s, new double[] {1, 2}, 0, 3.0);
        double[] w = l.inspect(s).get("weights");
        assertEquals(0.1 * 3 / (3 + 1e-8), w[0], 1e-15);
        assertEquals(0.1 * 6 / (6 + 1e-8), w[1], 1e-15);
        // step 2: x = (-1, 0.5), y = 1, p = -w0 + 0.5 w1 = -0.05; g = (1.05, -0.525)
        double p = -w[0] + 0.5 * w[1];
        assertEquals(-0.04999999975000001, p, 1e-15);
        double g0 = (p - 1) * -1;
        double m0 = 0.9 * 0.1 * -3 + 0.1 * g0;
        double v0 = 0.999 * 0.001 * 9 + 0.001 * g0 * g0;
        double expected0 = w[0] - 0.1 * (m0 / (1 - 0.81)) / (Math.sqrt(v0 / (1 - 0.999 * 0.999)) + 1e-8);
        l.learn(s, new double[] {-1, 0.5}, 1, 1.0);
        double[] w2 = l.inspect(s).get("weights");
        assertEquals(expected0, w2[0], 1e-14);
        assertEquals(0.13864700479513078, w2[0], 1e-14);
        assertEquals(0.17324016284394603, w2[1], 1e-14);
        assertArrayEquals(new double[] {2}, l.inspect(s).get("steps"));
    }

    @Test
    void shouldMatchAdaGradByHandForTwoSteps() {
        // Duchi, Hazan and Singer 2011, diagonal: G_i += g_i^2 ; w_i -= lr g_i / (sqrt(G_i) + eps), lr 0.1, eps 1e-8,
        // intercept as a coordinate with x = 1
        Learner l = Learners.create("sgd:step=adagrad,lr=0.1", 2);
        ModelState s = l.newState();
        // step 1: p = 0, g = (-3, -6, -3): each coordinate moves by lr |g| / (|g| + eps) ~ 0.1
        l.learn(s, new double[] {1, 2}, 0, 3.0);
        Map<String, double[]> v = l.inspect(s);
        assertArrayEquals(new double[] {0.1 * 3 / (3 + 1e-8), 0.1 * 6 / (6 + 1e-8)}, v.get("weights"), 1e-15);
        assertEquals(0.1 * 3 / (3 + 1e-8), v.get("intercept")[0], 1e-15);
        assertArrayEquals(new double[] {9, 36, 9}, v.get("gradientSquareSums"), 1e-15);
        // step 2: x = (-1, 0.5), y = 1, p = 0.05 (to 1e-9): g = (0.95, -0.475, -0.95)
        l.learn(s, new double[] {-1, 0.5}, 1, 1.0);
        v = l.inspect(s);
        assertArrayEquals(new double[] {0.06981082929075502, 0.10789197418940943}, v.get("weights"), 1e-14);
        assertEquals(0.13018917004257835, v.get("intercept")[0], 1e-14);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "sgd:label_scale=false", "sgd:loss=huber,delta=0.3", "sgd:loss=quantile,tau=0.3",
        "sgd:average=true", "sgd:loss=logistic"})
    void shouldPredictTheSameWhenAFeatureIsMultipliedByAThousand(String spec) {
        int d = 3;
        Learner l = Learners.create(spec, d);
        ModelState plain = l.newState();
        ModelState scaled = l.newState();
        boolean binary = spec.contains("logistic");
        SplittableRandom r = new SplittableRandom(9);
        for (int t = 0; t < 5_000; t++) {
            double[] x = {r.nextGaussian(), r.nextDouble() < 0.3 ? 0.0 : 0.01 * r.nextGaussian() + 0.02, r.nextGaussian()};
            double[] xs = {x[0], 1000 * x[1], x[2]};
            double y = 1.5 * x[0] + 80 * x[1] - x[2] + 0.2 * r.nextGaussian();
            if (binary) {
                y = y > 0 ? 1 : 0;
            }
            double a = predict(l, plain, x);
            double b = predict(l, scaled, xs);
            assertEquals(a, b, 1e-9 * (1 + Math.abs(a)), spec + ": prediction at " + t);
            l.learn(plain, x, t, y);
            l.learn(scaled, xs, t, y);
        }
        // the weight of the scaled feature is 1000 times smaller in the features' units
        double w = l.inspect(plain).get("weights")[1];
        assertEquals(w / 1000, l.inspect(scaled).get("weights")[1], 1e-9 * Math.abs(w));
    }

    @Test
    void shouldNotBeScaleFreeWithAPlainStep() {
        // the control for the test above: AdaGrad's predictions do change when a feature is rescaled
        Learner l = Learners.create("sgd:step=adagrad", 2);
        ModelState plain = l.newState();
        ModelState scaled = l.newState();
        SplittableRandom r = new SplittableRandom(9);
        double maxDiff = 0;
        for (int t = 0; t < 200; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            double y = x[0] + x[1];
            maxDiff = Math.max(maxDiff, Math.abs(predict(l, plain, x) - predict(l, scaled, new double[] {x[0], 1000 * x[1]})));
            l.learn(plain, x, t, y);
            l.learn(scaled, new double[] {x[0], 1000 * x[1]}, t, y);
        }
        assertTrue(maxDiff > 0.1, "max difference " + maxDiff);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd:loss=logistic", "sgd:loss=logistic,step=adagrad,lr=1", "sgd:loss=logistic,step=ftrl,alpha=1"})
    void shouldFindTheSeparatingDirectionWithLogisticLoss(String spec) {
        // P(y = 1 | x) = sigma(4 w*.x + 1): the Bayes-optimal classifier is sign(w*.x + 0.25) and the MLE direction is w*
        double[] truth = {0.6, -0.8, 0.0};
        Learner l = Learners.create(spec, 3);
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(21);
        int correct = 0;
        int scored = 0;
        for (int t = 0; t < 60_000; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double z = 4 * (truth[0] * x[0] + truth[1] * x[1] + truth[2] * x[2]) + 1;
            double y = r.nextDouble() < Loss.sigmoid(z) ? 1 : 0;
            double p = predict(l, s, x);
            assertTrue(p >= 0 && p <= 1, "a probability");
            if (t >= 30_000) {
                scored++;
                if ((p > 0.5) == (z > 0)) {
                    correct++;
                }
            }
            l.learn(s, x, t, y);
        }
        double[] w = l.inspect(s).get("weights");
        double norm = Math.sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
        double cosine = (w[0] * truth[0] + w[1] * truth[1] + w[2] * truth[2]) / norm;
        assertTrue(cosine > 0.98, spec + ": cosine to the true direction " + cosine);
        assertTrue(correct > 0.95 * scored, spec + ": agreement with the Bayes classifier " + correct + "/" + scored);
    }

    @Test
    void shouldRefuseLabelsOtherThanZeroOrOneWithLogisticLoss() {
        Learner l = Learners.create("sgd:loss=logistic", 1);
        ModelState s = l.newState();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> l.learn(s, new double[] {1}, 0, 0.5));
        assertEquals("bad-label", e.reason());
        assertEquals(0, s.updates());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.5, 0.9})
    void shouldConvergeToTheQuantileOfTheLabel(double tau) {
        // labels ~ Exponential(1): the tau-quantile is -ln(1 - tau); features carry no information
        Learner l = Learners.create("sgd:loss=quantile,tau=" + tau + ",average=true", 1);
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 200_000; t++) {
            l.learn(s, new double[] {r.nextGaussian()}, t, -Math.log(1 - r.nextDouble()));
        }
        double expected = -Math.log(1 - tau);
        assertEquals(expected, predict(l, s, new double[] {0}), 0.03 + 0.03 * expected, "tau " + tau);
        // and the fraction of labels below the prediction is tau
        double q = predict(l, s, new double[] {0});
        assertEquals(tau, 1 - Math.exp(-q), 0.02);
    }

    @Test
    void shouldResistOutliersWithHuberLoss() {
        // y = 2 x + 1 with 5% gross outliers (+50): squared loss is pulled up, Huber stays near the line
        Learner huber = Learners.create("sgd:loss=huber,delta=1,average=true", 1);
        Learner squared = Learners.create("sgd:average=true", 1);
        ModelState sh = huber.newState();
        ModelState sq = squared.newState();
        SplittableRandom r = new SplittableRandom(8);
        for (int t = 0; t < 100_000; t++) {
            double[] x = {r.nextGaussian()};
            double y = 2 * x[0] + 1 + 0.1 * r.nextGaussian() + (r.nextInt(20) == 0 ? 50 : 0);
            huber.learn(sh, x, t, y);
            squared.learn(sq, x, t, y);
        }
        double interceptHuber = huber.inspect(sh).get("averagedIntercept")[0];
        double interceptSquared = squared.inspect(sq).get("averagedIntercept")[0];
        assertEquals(1.0, interceptHuber, 0.15);
        assertEquals(3.5, interceptSquared, 0.3, "least squares follows the mean, 1 + 0.05 * 50");
        assertEquals(2.0, huber.inspect(sh).get("averagedWeights")[0], 0.1);
    }

    @Test
    void shouldAverageTheIterates() {
        // averaged SGD: the averaged weights equal the running mean of the iterates, checked step by step
        Learner avg = Learners.create("sgd:step=constant,lr=0.05,average=true", 2);
        Learner plain = Learners.create("sgd:step=constant,lr=0.05", 2);
        ModelState sa = avg.newState();
        ModelState sp = plain.newState();
        double[] sum = new double[3];
        SplittableRandom r = new SplittableRandom(2);
        for (int t = 1; t <= 500; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            double y = x[0] - x[1] + r.nextGaussian();
            avg.learn(sa, x, t, y);
            plain.learn(sp, x, t, y);
            double[] w = plain.inspect(sp).get("weights");
            sum[0] += w[0];
            sum[1] += w[1];
            sum[2] += plain.inspect(sp).get("intercept")[0];
            assertArrayEquals(w, avg.inspect(sa).get("weights"), 0.0, "the iterate itself is unchanged by averaging");
            assertArrayEquals(new double[] {sum[0] / t, sum[1] / t}, avg.inspect(sa).get("averagedWeights"), 1e-12);
            assertEquals(sum[2] / t, avg.inspect(sa).get("averagedIntercept")[0], 1e-12);
        }
        double[] x = {0.3, -0.7};
        assertEquals(sum[0] / 500 * 0.3 - sum[1] / 500 * 0.7 + sum[2] / 500, predict(avg, sa, x), 1e-12);
    }

    @Test
    void shouldScheduleInverseScalingPerKey() {
        // invscaling: eta_t = lr / t^power_t with t this key's update count; lr 0.1, power_t 0.5, no intercept
        Learner l = Learners.create("sgd:step=invscaling,lr=0.1,power_t=0.5,intercept=false", 1);
        ModelState a = l.newState();
        ModelState b = l.newState();
        l.learn(a, new double[] {1}, 0, 1.0);       // w = 0.1 * 1 = 0.1
        l.learn(a, new double[] {1}, 1, 1.0);       // w = 0.1 + 0.1 / sqrt(2) * 0.9
        assertEquals(0.1 + 0.1 / Math.sqrt(2) * 0.9, l.inspect(a).get("weights")[0], 1e-15);
        l.learn(b, new double[] {1}, 2, 1.0);       // another key starts at t = 1
        assertEquals(0.1, l.inspect(b).get("weights")[0], 1e-15);
    }

    @Test
    void shouldApplyL2AsAProximalShrink() {
        // constant step with l2: w = (w - lr g) / (1 + lr l2); one step from 0 with x = 1, y = 1, lr 0.1, l2 1
        Learner l = Learners.create("sgd:step=constant,lr=0.1,l2=1,intercept=false", 1);
        ModelState s = l.newState();
        l.learn(s, new double[] {1}, 0, 1.0);
        assertEquals(0.1 / 1.1, l.inspect(s).get("weights")[0], 1e-15);
        // l1 = 1 makes a step of 0.1 vanish: soft(0.1, 0.1) = 0
        Learner lasso = Learners.create("sgd:step=constant,lr=0.1,l1=1,intercept=false", 1);
        ModelState s1 = lasso.newState();
        lasso.learn(s1, new double[] {1}, 0, 1.0);
        assertEquals(0.0, lasso.inspect(s1).get("weights")[0], 0.0);
    }

    @Test
    void shouldClipGradients() {
        // constant step, clip 2: a gradient of -100 moves the weight by lr * 2 only
        Learner l = Learners.create("sgd:step=constant,lr=0.1,clip=2,intercept=false", 1);
        ModelState s = l.newState();
        l.learn(s, new double[] {10}, 0, 10.0);
        assertEquals(0.2, l.inspect(s).get("weights")[0], 1e-15);
    }

    @Test
    void shouldNeverOvershootTheLabelWithTheNormalizedStep() {
        // the importance-invariant step moves the prediction towards the label, never past it,
        // even with an absurd learning rate
        Learner l = Learners.create("sgd:lr=1000", 3);
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 2_000; t++) {
            double[] x = {r.nextGaussian(), 5 * r.nextGaussian(), 0.01 * r.nextGaussian()};
            double y = 10 * r.nextGaussian();
            double before = predict(l, s, x);
            l.learn(s, x, t, y);
            double after = predict(l, s, x);
            double tolerance = 1e-9 * (1 + Math.abs(y));
            if (before < y) {
                assertTrue(after >= before - tolerance && after <= y + tolerance, t + ": " + before + " -> " + after + " for " + y);
            } else {
                assertTrue(after <= before + tolerance && after >= y - tolerance, t + ": " + before + " -> " + after + " for " + y);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "sgd:label_scale=false", "sgd:step=adagrad", "sgd:step=ftrl,l1=0.5,l2=0.1",
        "sgd:step=invscaling,power_t=0.5"})
    void shouldKeepPredictionsAndEnlargeStepsWhenInflated(String spec) {
        Learner l = Learners.create(spec, 2);
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(6);
        for (int t = 0; t < 3_000; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian()};
            l.learn(s, x, t, x[0] - 2 * x[1] + r.nextGaussian());
        }
        ModelState inflated = s.copy();
        ((DriftAware) l).inflate(inflated, 10);
        double[] probe = {0.4, -1.3};
        assertEquals(predict(l, s, probe), predict(l, inflated, probe), 1e-12, "inflate keeps predictions");
        // the next step is several times larger (about 10 times while the accumulated sums dominate)
        ModelState plain = s.copy();
        double y = predict(l, s, probe) + 1.0;
        l.learn(plain, probe, 0, y);
        l.learn(inflated, probe, 0, y);
        double stepPlain = Math.abs(predict(l, plain, probe) - predict(l, s, probe));
        double stepInflated = Math.abs(predict(l, inflated, probe) - predict(l, s, probe));
        assertTrue(stepInflated > 4 * stepPlain, spec + ": " + stepInflated + " vs " + stepPlain);
        assertThrows(IllegalArgumentException.class, () -> ((DriftAware) l).inflate(s, 0.5));
    }

    @Test
    void shouldRestartAdamWhenInflated() {
        Learner l = Learners.create("sgd:step=adam,lr=0.1,intercept=false", 1);
        ModelState s = l.newState();
        for (int t = 0; t < 100; t++) {
            l.learn(s, new double[] {1}, t, 5.0);
        }
        ((DriftAware) l).inflate(s, 3);
        Map<String, double[]> v = l.inspect(s);
        assertArrayEquals(new double[] {0, 0}, v.get("firstMoments"));
        assertArrayEquals(new double[] {0}, v.get("steps"));
        // the next step is Adam's first step again: lr g / (|g| + eps)
        double w = v.get("weights")[0];
        double g = w - 5.0;
        l.learn(s, new double[] {1}, 100, 5.0);
        assertEquals(w - 0.1 * g / (Math.abs(g) + 1e-8), l.inspect(s).get("weights")[0], 1e-12);
    }

    @Test
    void shouldRestartTheAverageWhenInflated() {
        Learner l = Learners.create("sgd:average=true", 1);
        ModelState s = l.newState();
        for (int t = 0; t < 100; t++) {
            l.learn(s, new double[] {t % 3 - 1}, t, 2.0 * (t % 3 - 1));
        }
        ((DriftAware) l).inflate(s, 2);
        Map<String, double[]> v = l.inspect(s);
        assertArrayEquals(v.get("weights"), v.get("averagedWeights"), 1e-12);
    }

    @Test
    void shouldWriteACanonicalSpecThatParsesBack() {
        String[] specs = {"sgd", "sgd:lr=0.1", "sgd:step=ftrl,lr=0.2", "sgd:step=adam,beta1=0.8,l2=1e-4",
            "sgd:loss=huber,delta=2.5,step=invscaling,power_t=0.5", "sgd:loss=quantile,tau=0.25,average=true",
            "sgd:loss=logistic,step=adagrad,intercept=false", "sgd:intercept_lr=0.5,clip=3,l1=0.01"};
        for (String text : specs) {
            Learner l = Learners.create(text, 4);
            Learner again = Learners.create(l.spec(), 4);
            assertEquals(l.spec(), again.spec(), text);
            assertEquals(l.newState().values().length, again.newState().values().length, text);
        }
        assertEquals("sgd:loss=squared,step=normalized,lr=2,label_scale=true,l1=0,l2=0,clip=0,average=false,"
                + "intercept=true,intercept_lr=2", Learners.create("sgd", 4).spec());
        assertEquals("sgd:loss=squared,step=ftrl,alpha=0.2,beta=1,l1=0,l2=0,clip=0,average=false,intercept=true,"
                + "intercept_lr=0.2", Learners.create("sgd:step=ftrl,lr=0.2", 4).spec());
        assertEquals(Learners.create("sgd:lr=0.1", 2).spec(), Learners.create("sgd:step=normalized,lr=0.1", 2).spec());
        assertNotEquals(Learners.create("sgd:lr=0.1", 2).fingerprint(), Learners.create("sgd:lr=0.2", 2).fingerprint());
    }

    @Test
    void shouldRefuseParametersTheConfigurationDoesNotUse() {
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd:step=adagrad,beta1=0.9", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd:delta=2", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd:loss=logistic,label_scale=false", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd:step=ftrl,lr=1,alpha=1", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd:step=sometimes", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd:loss=quantile,tau=1", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd:lr=-1", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("sgd:intercept=false,intercept_lr=1", 2));
    }

    @Test
    void shouldDocumentTheStateLayoutSizes() {
        int d = 5;
        int dd = d + 1;
        assertEquals(dd, Learners.create("sgd:step=constant", d).newState().values().length);
        assertEquals(dd + 1, Learners.create("sgd:step=invscaling", d).newState().values().length);
        assertEquals(2 * dd, Learners.create("sgd:step=adagrad", d).newState().values().length);
        assertEquals(3 * dd + 1, Learners.create("sgd:step=adam", d).newState().values().length);
        assertEquals(3 * dd, Learners.create("sgd:step=ftrl", d).newState().values().length);
        assertEquals(3 * dd + 3, Learners.create("sgd", d).newState().values().length);
        assertEquals(3 * dd + 2, Learners.create("sgd:label_scale=false", d).newState().values().length);
        assertEquals(4 * dd + 4, Learners.create("sgd:average=true", d).newState().values().length);
    }

    @Test
    void shouldLearnWithNoFeatures() {
        Learner l = Learners.create("sgd", 0);
        ModelState s = l.newState();
        for (int t = 0; t < 2_000; t++) {
            l.learn(s, new double[0], t, 7.0);
        }
        assertEquals(7.0, predict(l, s, new double[0]), 1e-6);
    }

    @Test
    void shouldRunTheJavadocExamples() {
        Learner l = Learners.create("sgd:loss=huber,delta=2,step=adagrad,lr=0.1", 3);
        ModelState s = l.newState();
        l.learn(s, new double[] {1, 2, 3}, 0L, 14.0);
        Prediction out = new Prediction();
        l.predict(s, new double[] {1, 2, 3}, 1L, out);
        // AdaGrad's first step moves every coordinate by lr |g| / (|g| + eps), about 0.1: p = 0.1 (1 + 2 + 3) + 0.1
        assertEquals(0.7, out.mean(), 1e-6);
        SgdLearner built = SgdLearner.builder(8).step(Step.FTRL).lr(0.1).l1(1.0).build();
        assertEquals(Learners.create("sgd:step=ftrl,alpha=0.1,l1=1", 8).spec(), built.spec());
        assertEquals(1.0, Loss.huber(1.0).derivative(5.0, 1.0), 0.0);
        double p = predict(Learners.create("sgd:loss=logistic", 8), Learners.create("sgd:loss=logistic", 8).newState(), new double[8]);
        assertEquals(0.5, p, 0.0, "a fresh logistic model predicts probability 1/2");
    }

    @Test
    void shouldLearnALevelForMissingValuesThroughIndicators() {
        // y = 2 temp when temp is present, 5 when it is missing: only the indicator column can express that
        FeatureSpace flagged = FeatureSpace.ordered(List.of("temp")).withMissingIndicators();
        FeatureSpace plain = FeatureSpace.ordered(List.of("temp"));
        Learner withIndicator = Learners.create("sgd", flagged.dimension());
        Learner without = Learners.create("sgd", plain.dimension());
        ModelState a = withIndicator.newState();
        ModelState b = without.newState();
        double[] xa = new double[flagged.dimension()];
        double[] xb = new double[plain.dimension()];
        SplittableRandom r = new SplittableRandom(12);
        for (int t = 0; t < 20_000; t++) {
            Map<String, Double> f = new HashMap<>();
            double y = 5;
            if (r.nextDouble() < 0.7) {
                double temp = r.nextGaussian();
                f.put("temp", temp);
                y = 2 * temp;
            }
            flagged.map(f, xa);
            plain.map(f, xb);
            withIndicator.learn(a, xa, t, y);
            without.learn(b, xb, t, y);
        }
        flagged.map(Map.of(), xa);
        plain.map(Map.of(), xb);
        assertEquals(5.0, predict(withIndicator, a, xa), 0.2, "missing");
        assertTrue(Math.abs(predict(without, b, xb) - 5.0) > 1.0, "zero-imputation alone cannot");
        flagged.map(Map.of("temp", 1.0), xa);
        assertEquals(2.0, predict(withIndicator, a, xa), 0.2, "present");
    }

    @Test
    void shouldLeaveTheNormalizedStateAloneWhenTheGradientIsZero() {
        // as in VW, an event with a zero gradient changes nothing, not even a feature's scale
        Learner l = Learners.create("sgd", 2);
        ModelState s = l.newState();
        l.learn(s, new double[] {1, 1}, 0, 3.0);
        double[] before = s.values().clone();
        double[] x = {50, 1};
        l.learn(s, x, 1, predict(l, s, x));
        assertArrayEquals(before, s.values(), 0.0);
        assertEquals(2, s.updates());
    }
}
