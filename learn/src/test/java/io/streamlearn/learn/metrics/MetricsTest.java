package io.streamlearn.learn.metrics;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each metric against a direct recomputation from the stored pairs, written out here. */
class MetricsTest {

    private static double[][] pairs(int n, long seed, boolean binary) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] p = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            if (binary) {
                y[i] = r.nextInt(2);
                // informative but noisy probabilities, some ties, some at the extremes
                double q = 1.0 / (1.0 + Math.exp(-(2 * y[i] - 1 + r.nextGaussian())));
                p[i] = r.nextInt(10) == 0 ? Math.round(q * 4) / 4.0 : q;
                if (r.nextInt(200) == 0) {
                    p[i] = r.nextInt(2);
                }
            } else {
                y[i] = 50 + 20 * r.nextGaussian();
                p[i] = y[i] + 5 * r.nextGaussian() + 3;
            }
        }
        return new double[][] {p, y};
    }

    @Test
    void shouldMatchDirectMeansOfSquaredAndAbsoluteErrorLogLossAndAccuracy() {
        double[][] reg = pairs(10_000, 1, false);
        double[][] bin = pairs(10_000, 2, true);
        PointwiseMetric mse = PointwiseMetric.squaredError();
        PointwiseMetric mae = PointwiseMetric.absoluteError();
        PointwiseMetric ll = PointwiseMetric.logLoss();
        PointwiseMetric acc = PointwiseMetric.accuracy();
        double se = 0;
        double ae = 0;
        double lls = 0;
        int correct = 0;
        for (int i = 0; i < 10_000; i++) {
            mse.update(reg[0][i], reg[1][i]);
            mae.update(reg[0][i], reg[1][i]);
            ll.update(bin[0][i], bin[1][i]);
            acc.update(bin[0][i], bin[1][i]);
            se += (reg[0][i] - reg[1][i]) * (reg[0][i] - reg[1][i]);
            ae += Math.abs(reg[0][i] - reg[1][i]);
            double q = Math.min(Math.max(bin[0][i], 1e-15), 1 - 1e-15);
            lls += bin[1][i] == 1 ? -Math.log(q) : -Math.log(1 - q);
            boolean said = bin[0][i] >= 0.5;
            if (said == (bin[1][i] == 1)) {
                correct++;
            }
            if (i == 9 || i == 9_999) {
                int n = i + 1;
                assertEquals(se / n, mse.value(), 1e-12 * se / n);
                assertEquals(ae / n, mae.value(), 1e-12 * ae / n);
                assertEquals(lls / n, ll.value(), 1e-12 * lls / n);
                assertEquals((double) correct / n, acc.value(), 1e-15);
                assertEquals(n, mse.count());
            }
        }
        assertTrue(Double.isNaN(new PointwiseMetric(Loss.SQUARED).value()));
        // a confident wrong prediction is clipped, not infinite: -ln(1e-15)
        PointwiseMetric wrong = PointwiseMetric.logLoss();
        wrong.update(0.0, 1.0);
        assertEquals(-Math.log(1e-15), wrong.value(), 1e-9);
    }

    @Test
    void shouldMatchTheMeanOverTheLastWindowEventsAtEveryStep() {
        double[][] reg = pairs(5_000, 3, false);
        int w = 97;
        for (Loss loss : Loss.values()) {
            RollingMetric rolling = RollingMetric.of(loss, w);
            for (int i = 0; i < 5_000; i++) {
                rolling.update(reg[0][i], reg[1][i]);
                int from = Math.max(0, i - w + 1);
                double s = 0;
                for (int k = from; k <= i; k++) {
                    s += loss.of(reg[0][k], reg[1][k]);
                }
                double expected = s / (i - from + 1);
                assertEquals(expected, rolling.value(), 1e-9 * Math.max(1, Math.abs(expected)), loss + " at " + i);
                assertEquals(i - from + 1, rolling.count());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> RollingMetric.of(Loss.SQUARED, 0));
    }

    @Test
    void shouldMatchTextbookRSquaredAndVariance() {
        double[][] reg = pairs(20_000, 4, false);
        RSquared r2 = new RSquared();
        MeanVariance mv = new MeanVariance();
        for (int i = 0; i < 20_000; i++) {
            r2.update(reg[0][i], reg[1][i]);
            mv.add(reg[1][i]);
        }
        // two-pass textbook formulas
        double mean = 0;
        for (double y : reg[1]) {
            mean += y;
        }
        mean /= reg[1].length;
        double sst = 0;
        double sse = 0;
        for (int i = 0; i < reg[1].length; i++) {
            sst += (reg[1][i] - mean) * (reg[1][i] - mean);
            sse += (reg[1][i] - reg[0][i]) * (reg[1][i] - reg[0][i]);
        }
        assertEquals(mean, mv.mean(), 1e-10);
        assertEquals(sst / 20_000, mv.populationVariance(), 1e-9 * sst / 20_000);
        assertEquals(sst / 19_999, mv.sampleVariance(), 1e-9 * sst / 19_999);
        assertEquals(1 - sse / sst, r2.value(), 1e-10);
        // a large offset does not destroy the variance (Welford's point)
        MeanVariance shifted = new MeanVariance();
        for (double y : reg[1]) {
            shifted.add(y + 1e9);
        }
        assertEquals(sst / 20_000, shifted.populationVariance(), 1e-4 * sst / 20_000);
        RSquared constant = new RSquared();
        constant.update(1, 2);
        constant.update(3, 2);
        assertTrue(Double.isNaN(constant.value()), "R² is undefined when every label is equal");
    }

    @Test
    void shouldMatchPairCountingAucWithTiesCountingOneHalf() {
        for (long seed = 5; seed < 9; seed++) {
            double[][] bin = pairs(3_000, seed, true);
            Auc auc = new Auc();
            for (int i = 0; i < 3_000; i++) {
                auc.update(bin[0][i], bin[1][i]);
            }
            // O(n^2) definition: P(score_pos > score_neg) + 0.5 P(equal)
            double wins = 0;
            long pairs = 0;
            for (int i = 0; i < 3_000; i++) {
                if (bin[1][i] != 1) {
                    continue;
                }
                for (int j = 0; j < 3_000; j++) {
                    if (bin[1][j] != 0) {
                        continue;
                    }
                    pairs++;
                    if (bin[0][i] > bin[0][j]) {
                        wins += 1;
                    } else if (bin[0][i] == bin[0][j]) {
                        wins += 0.5;
                    }
                }
            }
            assertEquals(wins / pairs, auc.value(), 1e-12, "seed " + seed);
            assertEquals(3_000, auc.count());
        }
        Auc perfect = new Auc();
        perfect.update(0.9, 1);
        perfect.update(0.2, 0);
        perfect.update(0.6, 0);
        perfect.update(0.7, 1);
        assertEquals(1.0, perfect.value());
        Auc oneClass = new Auc();
        oneClass.update(0.3, 1);
        assertTrue(Double.isNaN(oneClass.value()));
    }
}
