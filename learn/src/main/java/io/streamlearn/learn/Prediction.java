package io.streamlearn.learn;

/**
 * A reusable holder for one prediction: its mean and, where the model has one, its predictive
 * standard deviation ({@code NaN} otherwise). Learners write into it so the hot path allocates nothing.
 */
public final class Prediction {
    private double mean;
    private double stddev = Double.NaN;

    public double mean() {
        return mean;
    }

    /** Predictive standard deviation, or {@code NaN} when the model has none. */
    public double stddev() {
        return stddev;
    }

    public boolean hasStddev() {
        return !Double.isNaN(stddev);
    }

    public Prediction set(double mean, double stddev) {
        this.mean = mean;
        this.stddev = stddev;
        return this;
    }

    public Prediction set(double mean) {
        return set(mean, Double.NaN);
    }

    @Override
    public String toString() {
        return hasStddev() ? mean + " ± " + stddev : Double.toString(mean);
    }
}
