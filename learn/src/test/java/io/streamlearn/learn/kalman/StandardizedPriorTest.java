package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Population;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.Prior;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.registry.Learners;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standardized Kalman bank's part in population priors (issues #13 and #14): a new key starts
 * in the population's feature scales, with the population's weights in those units; the first
 * keys of a population, before it is trusted for weights, start with its scales only. Checked
 * against hand computations and dense matrices, and for invariance to the units of every feature
 * through the population.
 */
class StandardizedPriorTest {

    private static final int D = 3;

    /** Dense symmetric matrix from a packed upper triangle (an independent unpacking). */
    private static double[][] dense(double[] packed, int n) {
        double[][] a = new double[n][n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                a[i][j] = packed[k];
                a[j][i] = packed[k];
                k++;
            }
        }
        return a;
    }

    @Test
    void shouldWidenAPackedMatrixInPlaceAndTakeItsBlockBack() {
        SplittableRandom r = new SplittableRandom(3);
        for (int l = 1; l <= 6; l++) {
            for (int wide = l; wide <= l + 4; wide++) {
                double[] small = new double[Packed.size(l)];
                for (int k = 0; k < small.length; k++) {
                    small[k] = r.nextGaussian();
                }
                double[] a = new double[Packed.size(wide)];
                java.util.Arrays.fill(a, 99.0);
                System.arraycopy(small, 0, a, 0, small.length);
                Standardized.widen(a, l, wide);
                double[][] got = dense(a, wide);
                double[][] want = dense(small, l);
                for (int i = 0; i < wide; i++) {
                    for (int j = 0; j < wide; j++) {
                        double expected = i < l && j < l ? want[i][j] : 0.0;
                        assertEquals(expected, got[i][j], 0.0, "l=" + l + " L=" + wide + " (" + i + "," + j + ")");
                    }
                }
                assertEquals(java.util.Arrays.toString(small), java.util.Arrays.toString(Standardized.block(a, wide, l)));
            }
        }
    }

    /**
     * The vector is the bank's (weights per unit of the key's reference scales, intercept last), then
     * each reference scale squared; the covariance of the scales is 0.
     */
    @Test
    void shouldContributeTheWeightsThenTheSquaredScales() {
        Learner l = Learners.create("kalman", D);
        PriorAware pa = (PriorAware) l;
        ModelState s = trained(l, new SplittableRandom(1), new double[] {1, 200, 0.01}, 60);
        double[] v = new double[pa.contributionLength()];
        assertEquals(D + 1 + D, v.length);
        double[] within = new double[Population.packedSize(v.length)];
        pa.contribute(s, v, within);
        double[] scale = l.inspect(s).get("featureScale");
        double[] weights = l.inspect(s).get("weights");
        for (int j = 0; j < D; j++) {
            assertEquals(scale[j] * scale[j], v[D + 1 + j], 0.0, "squared scale " + j);
            assertEquals(weights[j] * scale[j], v[j], 1e-12 * (1 + Math.abs(v[j])), "weight per unit of scale " + j);
        }
        double[][] c = dense(within, v.length);
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                if (i > D || j > D) {
                    assertEquals(0.0, c[i][j], 0.0, "no covariance for the scales (" + i + "," + j + ")");
                }
            }
            if (i <= D) {
                assertTrue(c[i][i] > 0, "the bank's posterior variance " + i);
            }
        }
    }

    /**
     * Started from a prior, the first prediction is the prior's weights, per unit of the population's
     * scales, applied to the inputs: {@code sum_j m_j x_j / sqrt(ms_j) + m_intercept}, computed by
     * hand; the key reports those scales.
     */
    @Test
    void shouldStartInThePopulationsUnits() {
        Learner l = Learners.create("kalman", D);
        PriorAware pa = (PriorAware) l;
        double[] mean = {2.0, -0.5, 1.5, 10.0, 4.0, 1e4, 1e-6};
        ModelState s = l.newState();
        pa.startFrom(s, new Prior(500, mean, null, 0.25));
        double[] x = {1.0, 150.0, -0.002};
        Prediction out = new Prediction();
        l.predict(s, x, 0, out);
        double expected = 2.0 * 1.0 / 2.0 - 0.5 * 150.0 / 100.0 + 1.5 * -0.002 / 1e-3 + 10.0;
        // the scales are kept float32 with the bank's state (issue #17): equal up to that rounding
        assertEquals(expected, out.mean(), 1e-6 * Math.abs(expected));
        assertEquals(2.0, l.inspect(s).get("featureScale")[0], 2.0 * 1e-7);
        assertEquals(100.0, l.inspect(s).get("featureScale")[1], 100.0 * 1e-7);
        assertEquals(1e-3, l.inspect(s).get("featureScale")[2], 1e-3 * 1e-7);
    }

    /**
     * With only the scales (a population of fewer keys than the weights need), the weights keep the
     * default (prediction 0) and the scales count as {@value Standardized#PRIOR_EVENTS} events of
     * the key: one event at 3 times the scale makes the running mean square
     * {@code (3 ms + 9 ms) / 4 = 3 ms}, more than a factor 1.1 off, so the scale is rebased to
     * {@code sqrt(3 ms)}; one at 1.05 times leaves it.
     */
    @Test
    void shouldCountThePopulationsScalesAsThreeEvents() {
        assertEquals(3.0, Standardized.PRIOR_EVENTS);
        Learner l = Learners.create("kalman", D);
        PriorAware pa = (PriorAware) l;
        double[] mean = {7.0, 7.0, 7.0, 7.0, 4.0, 1e4, 1e-6};
        ModelState s = l.newState();
        pa.startEarly(s, new Prior(1, mean, null, Double.NaN));
        Prediction out = new Prediction();
        l.predict(s, new double[] {1, 1, 1}, 0, out);
        assertEquals(0.0, out.mean(), 0.0, "the default weights");
        l.learn(s, new double[] {3 * 2.0, 1.05 * 100.0, 0.0}, 0, 1.0);
        double[] scale = l.inspect(s).get("featureScale");
        // float32 scales (issue #17): relative 1e-7
        assertEquals(Math.sqrt(3 * 4.0), scale[0], Math.sqrt(12.0) * 1e-7, "rebased");
        assertEquals(100.0, scale[1], 100.0 * 1e-7, "within a factor 1.1");
        assertEquals(Math.sqrt(0.75) * 1e-3, scale[2], 1e-3 * 1e-7, "a zero value pulls the mean square down by 3/4");
        assertEquals(4.0, l.inspect(s).get("scaledEvents")[0], 0.0);
    }

    /**
     * Through a population, the units of a feature still do not matter: 40 keys learn and contribute,
     * a new key starts from the population's prior (weights and scales), another from its scales only,
     * and both predict the same (mean and stddev, to rounding) when any feature column of every key
     * is multiplied by a constant.
     */
    @Test
    void shouldPredictTheSameWhateverTheUnitsThroughThePopulation() {
        double[] magnitudes = {1.0, 300.0, 0.01};
        double[][] base = population(magnitudes, null, 0);
        for (int j = 0; j < D; j++) {
            for (double c : new double[] {1000.0, 1e-3, -7.3}) {
                double[][] got = population(magnitudes, c, j);
                for (int t = 0; t < base.length; t++) {
                    for (int k = 0; k < base[t].length; k++) {
                        double a = base[t][k];
                        double b = got[t][k];
                        if (Double.isNaN(a)) {
                            assertTrue(Double.isNaN(b), "event " + t);
                        } else {
                            // the bank keeps its state float32 (issue #17), as in ScaleInvarianceTest
                            assertEquals(a, b, 1e-5 * (1 + Math.abs(a)), "feature " + j + " times " + c + ", event " + t + ", column " + k);
                        }
                    }
                }
            }
        }
    }

    /** Predictions (mean, stddev of the started key; mean, stddev of the early-started key) over 30 events. */
    private static double[][] population(double[] magnitudes, Double factor, int column) {
        Learner l = Learners.create("kalman", D);
        PriorAware pa = (PriorAware) l;
        Population pop = Population.of(pa);
        double[] v = new double[pa.contributionLength()];
        double[] within = new double[Population.packedSize(v.length)];
        SplittableRandom r = new SplittableRandom(11);
        double[] m = magnitudes.clone();
        if (factor != null) {
            m[column] *= factor;
        }
        for (int key = 0; key < 40; key++) {
            ModelState s = trained(l, r, m, 5 + key % 20);
            pop.add(v, within, pa.contribute(s, v, within));
        }
        Prior prior = pop.prior();
        ModelState started = l.newState();
        pa.startFrom(started, prior);
        ModelState early = l.newState();
        pa.startEarly(early, prior);
        double[][] out = new double[30][4];
        Prediction p = new Prediction();
        for (int t = 0; t < 30; t++) {
            double[] x = new double[D];
            double y = event(r, m, x);
            l.predict(started, x, t, p);
            out[t][0] = p.mean();
            out[t][1] = p.stddev();
            l.predict(early, x, t, p);
            out[t][2] = p.mean();
            out[t][3] = p.stddev();
            l.learn(started, x, t, y);
            l.learn(early, x, t, y);
        }
        return out;
    }

    /**
     * One event of a key whose features have the given magnitudes (a negative one flips the sign) and
     * whose label is {@code 2 z_0 - z_1 + 0.5 z_2 + 3 + noise} in the features' own units.
     */
    private static double event(SplittableRandom r, double[] magnitudes, double[] x) {
        double y = 3.0 + 0.3 * r.nextGaussian();
        double[] w = {2.0, -1.0, 0.5};
        for (int j = 0; j < D; j++) {
            double z = r.nextGaussian();
            x[j] = z * magnitudes[j];
            y += w[j] * z;
        }
        return y;
    }

    private static ModelState trained(Learner l, SplittableRandom r, double[] magnitudes, int events) {
        ModelState s = l.newState();
        double[] x = new double[D];
        for (int t = 0; t < events; t++) {
            double y = event(r, magnitudes, x);
            l.learn(s, x, t, y);
        }
        return s;
    }
}
