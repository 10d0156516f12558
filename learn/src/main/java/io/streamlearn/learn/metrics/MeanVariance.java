package io.streamlearn.learn.metrics;

/**
 * Running mean and variance by Welford's method (Welford 1962; Knuth, TAOCP vol. 2, 4.2.2): for the
 * n-th value {@code x}, {@code delta = x - mean; mean += delta / n; m2 += delta * (x - mean)}. Stable
 * where the textbook {@code sum(x^2) - n mean^2} cancels catastrophically. Same method as Tribuo's
 * {@code MeanVarianceAccumulator}. Allocation-free; not thread-safe.
 *
 * <pre>{@code
 * MeanVariance mv = new MeanVariance();
 * mv.add(1); mv.add(2); mv.add(3);
 * mv.mean();                  // 2.0
 * mv.populationVariance();    // 2/3
 * }</pre>
 */
public final class MeanVariance {
    private long count;
    private double mean;
    private double m2;

    public void add(double x) {
        count++;
        double delta = x - mean;
        mean += delta / count;
        m2 += delta * (x - mean);
    }

    public long count() {
        return count;
    }

    /** The mean, or NaN when empty. */
    public double mean() {
        return count == 0 ? Double.NaN : mean;
    }

    /** The sum of squared deviations from the mean, {@code sum (x - mean)^2}. */
    public double sumSquaredDeviations() {
        return m2;
    }

    /** {@code m2 / n}, or NaN when empty. */
    public double populationVariance() {
        return count == 0 ? Double.NaN : m2 / count;
    }

    /** {@code m2 / (n - 1)}, or NaN with fewer than two values. */
    public double sampleVariance() {
        return count < 2 ? Double.NaN : m2 / (count - 1);
    }

    public void reset() {
        count = 0;
        mean = 0;
        m2 = 0;
    }
}
