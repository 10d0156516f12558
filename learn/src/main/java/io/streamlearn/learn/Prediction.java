package io.streamlearn.learn;

/**
 * A reusable holder for one prediction: its mean, where the model has one its predictive standard
 * deviation ({@code NaN} otherwise), and where the prediction is calibrated (the {@code conformal}
 * package's wrapper) its central 80% and 95% intervals ({@code NaN} otherwise). Learners write into it so the hot path allocates nothing.
 */
public final class Prediction {
    private double mean;
    private double stddev = Double.NaN;
    private double lower80 = Double.NaN;
    private double upper80 = Double.NaN;
    private double lower95 = Double.NaN;
    private double upper95 = Double.NaN;

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

    /** Sets mean and standard deviation and clears the intervals. */
    public Prediction set(double mean, double stddev) {
        this.mean = mean;
        this.stddev = stddev;
        this.lower80 = Double.NaN;
        this.upper80 = Double.NaN;
        this.lower95 = Double.NaN;
        this.upper95 = Double.NaN;
        return this;
    }

    public Prediction set(double mean) {
        return set(mean, Double.NaN);
    }

    /** Sets the calibrated central 80% and 95% intervals (after {@link #set}, which clears them). */
    public Prediction intervals(double lower80, double upper80, double lower95, double upper95) {
        this.lower80 = lower80;
        this.upper80 = upper80;
        this.lower95 = lower95;
        this.upper95 = upper95;
        return this;
    }

    /** Whether calibrated intervals are set. */
    public boolean hasIntervals() {
        return !Double.isNaN(lower80);
    }

    /** Lower end of the calibrated central 80% interval, or {@code NaN}. */
    public double lower80() {
        return lower80;
    }

    /** Upper end of the calibrated central 80% interval, or {@code NaN}. */
    public double upper80() {
        return upper80;
    }

    /** Lower end of the calibrated central 95% interval, or {@code NaN}. */
    public double lower95() {
        return lower95;
    }

    /** Upper end of the calibrated central 95% interval, or {@code NaN}. */
    public double upper95() {
        return upper95;
    }

    /** Copies everything from {@code other}. */
    public Prediction copyFrom(Prediction other) {
        set(other.mean, other.stddev);
        return intervals(other.lower80, other.upper80, other.lower95, other.upper95);
    }

    @Override
    public String toString() {
        String s = hasStddev() ? mean + " ± " + stddev : Double.toString(mean);
        return hasIntervals() ? s + " 80% [" + lower80 + ", " + upper80 + "] 95% [" + lower95 + ", " + upper95 + "]" : s;
    }
}
