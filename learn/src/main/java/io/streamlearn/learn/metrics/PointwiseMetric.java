package io.streamlearn.learn.metrics;

/**
 * The mean of a per-event loss over every event seen: squared error (MSE), absolute error (MAE),
 * log loss (binary cross-entropy) and accuracy. The sum is kept with Kahan–Babuška (Neumaier)
 * compensation, so a long run of small losses does not lose precision.
 *
 * <pre>{@code
 * PointwiseMetric mae = PointwiseMetric.absoluteError();
 * mae.update(2.0, 3.5);               // mae.value() == 1.5
 * RollingMetric recent = RollingMetric.of(Loss.SQUARED, 1000);
 * }</pre>
 */
public final class PointwiseMetric implements OnlineMetric {

    private final Loss loss;
    private double sum;
    private double compensation;
    private long count;

    public PointwiseMetric(Loss loss) {
        this.loss = loss;
    }

    /** Mean squared error. */
    public static PointwiseMetric squaredError() {
        return new PointwiseMetric(Loss.SQUARED);
    }

    /** Mean absolute error. */
    public static PointwiseMetric absoluteError() {
        return new PointwiseMetric(Loss.ABSOLUTE);
    }

    /** Mean log loss of a probability of the positive class against a 0/1 label. */
    public static PointwiseMetric logLoss() {
        return new PointwiseMetric(Loss.LOG);
    }

    /** Fraction of events where (prediction &gt;= 0.5) equals (label &gt;= 0.5). */
    public static PointwiseMetric accuracy() {
        return new PointwiseMetric(Loss.ACCURACY);
    }

    public Loss loss() {
        return loss;
    }

    @Override
    public String name() {
        return loss.metricName();
    }

    @Override
    public void update(double prediction, double label) {
        double v = loss.of(prediction, label);
        double t = sum + v;
        if (Math.abs(sum) >= Math.abs(v)) {
            compensation += (sum - t) + v;
        } else {
            compensation += (v - t) + sum;
        }
        sum = t;
        count++;
    }

    /** The sum of the losses (compensated). */
    public double sum() {
        return sum + compensation;
    }

    @Override
    public double value() {
        return count == 0 ? Double.NaN : sum() / count;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public void reset() {
        sum = 0;
        compensation = 0;
        count = 0;
    }
}
