package io.streamlearn.learn;

import java.util.Arrays;

/**
 * The running population of a learner's keys: the mean and covariance of the vectors the keys
 * currently contribute ({@link PriorAware#contribute}), with removal, so that a key that learns more
 * replaces its earlier contribution and a forgotten key takes its contribution away. Empirical Bayes
 * for a hierarchical linear model (Morris, "Parametric empirical Bayes inference", JASA 1983; Gelman
 * et al., <i>Bayesian Data Analysis</i>, 3rd ed., ch. 5): the keys' weights are draws from
 * {@code N(mu, Sigma)}, estimated by
 * <pre>
 *   mu    = mean of the contributed vectors
 *   Sigma = between-key covariance of the vectors (divisor n - 1)
 *         + mean of the keys' posterior covariances (law of total variance; Kalman family only)
 * </pre>
 * The mean and the between-key scatter are kept by Welford's update and its exact inverse
 * (add {@code x}: {@code n += 1, delta = x - mean, mean += delta/n, M2 += delta delta' (n-1)/n};
 * remove: {@code n -= 1, mean -= delta/n, M2 -= delta delta' (n+1)/n} with {@code delta = x - mean}
 * before the removal), the posterior covariances and noise variances by plain sums. All updates run
 * in the caller's order, so the same sequence of calls gives the same bits. When the count returns to
 * 0 every sum is reset to exact zeros, so rounding left by removals never outlives the population.
 *
 * <p>Values layout ({@link #values()}, what a store keeps): {@code [n, noiseCount, noiseSum, mean (L),
 * M2 (T), within (T)]} with {@code T = L(L+1)/2} packed upper triangle row by row, the last two only
 * when covariances are kept. Memory: {@code 8 (3 + L + 2T)} bytes, e.g. 808 bytes for a bank at d = 8
 * ({@code L = 9}). Not thread-safe.
 *
 * <pre>{@code
 * Population pop = new Population(3, true);
 * pop.add(new double[] {1, 2, 3}, within, 0.25);
 * pop.remove(new double[] {1, 2, 3}, within, 0.25);   // back to empty
 * Prior prior = pop.prior();
 * }</pre>
 */
public final class Population {

    /** Largest magnitude accepted in a contribution: its squares and their sums stay finite. */
    public static final double MAX_ABS = 1e100;

    private static final int N = 0;
    private static final int NOISE_COUNT = 1;
    private static final int NOISE_SUM = 2;
    private static final int MEAN = 3;

    private final int length;
    private final boolean covariance;
    private final int packed;
    private final int m2;
    private final int within;
    private final double[] v;

    /** An empty population of vectors of length {@code length}, with or without covariances. */
    public Population(int length, boolean covariance) {
        this(length, covariance, new double[arrayLength(length, covariance)]);
    }

    private Population(int length, boolean covariance, double[] values) {
        this.length = length;
        this.covariance = covariance;
        this.packed = covariance ? packedSize(length) : 0;
        this.m2 = MEAN + length;
        this.within = m2 + packed;
        this.v = values;
    }

    /** An empty population for {@code learner}'s contributions. */
    public static Population of(PriorAware learner) {
        return new Population(learner.contributionLength(), learner.contributesCovariance());
    }

    /**
     * A population over {@code values} as {@link #values()} laid them out (adopted, not copied).
     *
     * @throws IllegalArgumentException if the length does not match
     */
    public static Population wrap(double[] values, int length, boolean covariance) {
        if (values.length != arrayLength(length, covariance)) {
            throw new IllegalArgumentException("population values: " + values.length + " doubles, expected "
                    + arrayLength(length, covariance));
        }
        return new Population(length, covariance, values);
    }

    /** Number of doubles of a packed symmetric {@code l x l} matrix. */
    public static int packedSize(int l) {
        return l * (l + 1) / 2;
    }

    /** Length of {@link #values()} for vectors of length {@code length}. */
    public static int arrayLength(int length, boolean covariance) {
        return MEAN + length + (covariance ? 2 * packedSize(length) : 0);
    }

    /** The live values (see the class Javadoc for the layout). */
    public double[] values() {
        return v;
    }

    /** How many keys contribute now. */
    public long keys() {
        return (long) v[N];
    }

    public int length() {
        return length;
    }

    public boolean keepsCovariance() {
        return covariance;
    }

    /**
     * Whether a contribution can enter the population: finite and below {@link #MAX_ABS} in magnitude
     * (a noise variance may be NaN: the key has none).
     */
    public boolean accepts(double[] x, double[] posterior, double noise) {
        if (!bounded(x, length) || (covariance && !bounded(posterior, packed))) {
            return false;
        }
        return Double.isNaN(noise) || (noise >= 0 && noise < MAX_ABS);
    }

    private static boolean bounded(double[] a, int n) {
        if (a == null || a.length < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!(Math.abs(a[i]) < MAX_ABS)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Adds one key's contribution.
     *
     * @param posterior the key's posterior covariance (packed), used only when covariances are kept
     * @param noise     the key's noise variance, or NaN
     * @return false (and nothing changed) when {@link #accepts} refuses it
     */
    public boolean add(double[] x, double[] posterior, double noise) {
        if (!accepts(x, posterior, noise)) {
            return false;
        }
        double n = v[N] + 1.0;
        v[N] = n;
        double shrink = (n - 1.0) / n;
        scatter(x, 1.0 / n, shrink);
        if (covariance) {
            for (int k = 0; k < packed; k++) {
                v[within + k] += posterior[k];
            }
        }
        if (!Double.isNaN(noise)) {
            v[NOISE_COUNT] += 1.0;
            v[NOISE_SUM] += noise;
        }
        return true;
    }

    /**
     * Removes a contribution added earlier (the same arrays and noise). Removing from an empty
     * population does nothing.
     *
     * @return false (and nothing changed) when the population is empty or {@link #accepts} refuses it
     */
    public boolean remove(double[] x, double[] posterior, double noise) {
        if (v[N] < 1.0 || !accepts(x, posterior, noise)) {
            return false;
        }
        double n = v[N] - 1.0;
        if (n == 0.0) {
            Arrays.fill(v, 0.0);
            return true;
        }
        v[N] = n;
        // delta = x - mean (before); mean -= delta / n; M2 -= delta delta' (n + 1) / n
        scatter(x, -1.0 / n, -(n + 1.0) / n);
        if (covariance) {
            for (int k = 0; k < packed; k++) {
                v[within + k] -= posterior[k];
            }
        }
        if (!Double.isNaN(noise) && v[NOISE_COUNT] >= 1.0) {
            double c = v[NOISE_COUNT] - 1.0;
            v[NOISE_COUNT] = c;
            v[NOISE_SUM] = c == 0.0 ? 0.0 : v[NOISE_SUM] - noise;
        }
        return true;
    }

    /**
     * With {@code delta = x - mean} taken before the change: {@code mean += step delta},
     * {@code M2 += scale delta delta'}.
     */
    private void scatter(double[] x, double step, double scale) {
        int k = m2;
        for (int i = 0; i < length; i++) {
            double di = x[i] - v[MEAN + i];
            if (covariance) {
                double si = scale * di;
                for (int j = i; j < length; j++) {
                    v[k++] += si * (x[j] - v[MEAN + j]);
                }
            }
        }
        for (int i = 0; i < length; i++) {
            v[MEAN + i] += step * (x[i] - v[MEAN + i]);
        }
    }

    /**
     * The prior of a new key: the population mean, the covariance {@code M2/(n-1) + within/n} with
     * its diagonal floored at 0 (when covariances are kept; the between-key part is 0 with a single
     * key), and the mean noise variance (NaN when no key reported one). Allocates.
     */
    public Prior prior() {
        double n = v[N];
        double[] mean = Arrays.copyOfRange(v, MEAN, MEAN + length);
        double[] cov = null;
        if (covariance) {
            cov = new double[packed];
            double between = n > 1 ? 1.0 / (n - 1.0) : 0.0;
            double mean2 = n > 0 ? 1.0 / n : 0.0;
            int k = 0;
            for (int i = 0; i < length; i++) {
                for (int j = i; j < length; j++) {
                    double c = v[m2 + k] * between + v[within + k] * mean2;
                    cov[k] = i == j && !(c > 0) ? 0.0 : c;
                    k++;
                }
            }
        }
        double noise = v[NOISE_COUNT] > 0 ? v[NOISE_SUM] / v[NOISE_COUNT] : Double.NaN;
        return new Prior((long) n, mean, cov, noise);
    }
}
