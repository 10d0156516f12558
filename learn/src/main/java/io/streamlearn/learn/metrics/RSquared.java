package io.streamlearn.learn.metrics;

/**
 * Coefficient of determination {@code R^2 = 1 - SSE / SST}, where {@code SSE = sum (y - p)^2} and
 * {@code SST = sum (y - mean(y))^2} is kept by Welford's running variance of the labels
 * ({@link MeanVariance}), so it is exact for the labels seen so far without storing them. The mean in
 * SST is the mean of all labels seen, as in scikit-learn's {@code r2_score}. Allocation-free.
 *
 * <pre>{@code
 * RSquared r2 = new RSquared();
 * r2.update(1.1, 1.0); r2.update(1.9, 2.0); r2.update(3.0, 3.0);
 * r2.value();   // 1 - 0.02 / 2 = 0.99
 * }</pre>
 */
public final class RSquared implements OnlineMetric {
    private final MeanVariance labels = new MeanVariance();
    private final PointwiseMetric squared = PointwiseMetric.squaredError();

    @Override
    public String name() {
        return "r2";
    }

    @Override
    public void update(double prediction, double label) {
        labels.add(label);
        squared.update(prediction, label);
    }

    /** R², NaN before any update or when every label is the same (SST = 0). */
    @Override
    public double value() {
        double sst = labels.sumSquaredDeviations();
        if (labels.count() == 0 || !(sst > 0)) {
            return Double.NaN;
        }
        return 1.0 - squared.sum() / sst;
    }

    @Override
    public long count() {
        return labels.count();
    }

    @Override
    public void reset() {
        labels.reset();
        squared.reset();
    }
}
