package io.streamlearn.learn.metrics;

/**
 * A metric updated one (prediction, label) pair at a time. Implementations allocate nothing in
 * {@link #update} unless their Javadoc says otherwise ({@link Auc} collects its pairs), and are not
 * thread-safe.
 *
 * <pre>{@code
 * OnlineMetric mse = PointwiseMetric.squaredError();
 * mse.update(2.5, 3.0);
 * mse.update(1.0, 1.0);
 * double value = mse.value();   // 0.125
 * }</pre>
 */
public interface OnlineMetric {

    /** A short name for tables, e.g. {@code mse}. */
    String name();

    /** Adds one scored, labelled event. */
    void update(double prediction, double label);

    /** The metric over what it has seen (NaN before any update, or where it is undefined). */
    double value();

    /** How many pairs the current value covers. */
    long count();

    /** Forgets everything. */
    void reset();
}
