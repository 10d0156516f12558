package io.streamlearn.learn.metrics;

/** Per-event losses the pointwise and rolling metrics average. Stateless. */
public enum Loss {
    /** {@code (p - y)^2}. */
    SQUARED("mse") {
        @Override
        public double of(double prediction, double label) {
            double e = prediction - label;
            return e * e;
        }
    },
    /** {@code |p - y|}. */
    ABSOLUTE("mae") {
        @Override
        public double of(double prediction, double label) {
            return Math.abs(prediction - label);
        }
    },
    /**
     * Binary cross-entropy {@code -(y ln p + (1-y) ln(1-p))}, with {@code p} clipped to
     * {@code [1e-15, 1 - 1e-15]} so that a confident wrong prediction costs about 34.5, not infinity
     * (the clipping scikit-learn's {@code log_loss} used).
     */
    LOG("logloss") {
        @Override
        public double of(double prediction, double label) {
            double p = Math.min(Math.max(prediction, LOG_EPS), 1.0 - LOG_EPS);
            return -(label * Math.log(p) + (1.0 - label) * Math.log(1.0 - p));
        }
    },
    /** 1 when the prediction falls on the same side of 0.5 as the label, else 0. */
    ACCURACY("accuracy") {
        @Override
        public double of(double prediction, double label) {
            return (prediction >= 0.5) == (label >= 0.5) ? 1.0 : 0.0;
        }
    };

    /** Clipping of probabilities in {@link #LOG}. */
    public static final double LOG_EPS = 1e-15;

    private final String metricName;

    Loss(String metricName) {
        this.metricName = metricName;
    }

    /** The loss of one prediction against its label. */
    public abstract double of(double prediction, double label);

    /** The name of the mean of this loss, e.g. {@code mse}. */
    public String metricName() {
        return metricName;
    }
}
