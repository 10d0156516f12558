package io.streamlearn.streams.backtest;

import io.streamlearn.learn.metrics.Auc;
import io.streamlearn.learn.metrics.Loss;
import io.streamlearn.learn.metrics.PointwiseMetric;
import io.streamlearn.learn.metrics.RSquared;
import io.streamlearn.learn.metrics.RollingMetric;

/**
 * The metrics one model accumulates during a backtest, over its labelled events: every event is
 * scored before its label is learned, so these are prequential (test-then-train) figures.
 */
public final class ModelMetrics {
    private final String model;
    final PointwiseMetric squared = PointwiseMetric.squaredError();
    final PointwiseMetric absolute = PointwiseMetric.absoluteError();
    final PointwiseMetric logLoss = PointwiseMetric.logLoss();
    final PointwiseMetric accuracy = PointwiseMetric.accuracy();
    final RSquared r2 = new RSquared();
    final RollingMetric rolling;
    Auc auc = new Auc();
    /** Labelled events with a finite positive stddev, and how many fell in the central 80% and 95% intervals. */
    long intervals;
    long within80;
    long within95;
    /** Labelled events with calibrated intervals, and how many fell in the 80% and the 95% one. */
    long calibrated;
    long calibrated80;
    long calibrated95;
    double skillOverMean = Double.NaN;
    double skillOverLast = Double.NaN;

    ModelMetrics(String model, int window) {
        this.model = model;
        this.rolling = RollingMetric.of(Loss.SQUARED, window);
    }

    /** Standard normal quantiles of 0.9 and 0.975: the half-widths of the central 80% and 95% intervals. */
    static final double Z80 = 1.2815515655446004;
    static final double Z95 = 1.959963984540054;

    void update(double prediction, double stddev, double label, boolean binarySoFar) {
        if (stddev > 0 && stddev < Double.POSITIVE_INFINITY) {
            double z = Math.abs(label - prediction) / stddev;
            intervals++;
            within80 += z <= Z80 ? 1 : 0;
            within95 += z <= Z95 ? 1 : 0;
        }
        update(prediction, label, binarySoFar);
    }

    /**
     * Counts whether {@code label} fell in the calibrated intervals {@code [b[at], b[at+1]]} (80%) and
     * {@code [b[at+2], b[at+3]]} (95%), when the prediction had them (not NaN).
     */
    void intervals(double[] b, int at, double label) {
        if (!Double.isNaN(b[at])) {
            calibrated++;
            calibrated80 += label >= b[at] && label <= b[at + 1] ? 1 : 0;
            calibrated95 += label >= b[at + 2] && label <= b[at + 3] ? 1 : 0;
        }
    }

    void update(double prediction, double label, boolean binarySoFar) {
        squared.update(prediction, label);
        absolute.update(prediction, label);
        r2.update(prediction, label);
        rolling.update(prediction, label);
        if (binarySoFar) {
            logLoss.update(prediction, label);
            accuracy.update(prediction, label);
            auc.update(prediction, label);
        } else if (auc != null) {
            auc = null;   // labels are not all 0/1: classification metrics are not reported; free the pairs
        }
    }

    /** The model's name, its SPEC as given. */
    public String model() {
        return model;
    }

    /** Labelled events scored. */
    public long rows() {
        return squared.count();
    }

    public double mse() {
        return squared.value();
    }

    public double mae() {
        return absolute.value();
    }

    public double r2() {
        return r2.value();
    }

    /** Log loss; kept only while every label is 0/1. */
    public double logLoss() {
        return logLoss.value();
    }

    /** Accuracy at threshold 0.5; kept only while every label is 0/1. */
    public double accuracy() {
        return accuracy.value();
    }

    /** Exact AUC, or NaN when the labels were not all 0/1. Sorts: call once. */
    public double auc() {
        return auc == null ? Double.NaN : auc.value();
    }

    /**
     * Share of the labelled events with a stated standard deviation whose label fell within the central
     * 80% interval {@code mean ± 1.2816 stddev} (normal quantiles), or NaN for a model without one.
     */
    public double coverage80() {
        return intervals == 0 ? Double.NaN : within80 / (double) intervals;
    }

    /** As {@link #coverage80()} for the central 95% interval {@code mean ± 1.96 stddev}. */
    public double coverage95() {
        return intervals == 0 ? Double.NaN : within95 / (double) intervals;
    }

    /**
     * Share of the labelled events with calibrated intervals (adaptive conformal inference, per key:
     * {@code io.streamlearn.learn.conformal.Conformal}) whose label fell within the calibrated central 80%
     * interval, or NaN for a model without one.
     */
    public double calibratedCoverage80() {
        return calibrated == 0 ? Double.NaN : calibrated80 / (double) calibrated;
    }

    /** As {@link #calibratedCoverage80()} for the calibrated central 95% interval. */
    public double calibratedCoverage95() {
        return calibrated == 0 ? Double.NaN : calibrated95 / (double) calibrated;
    }

    /** {@code 1 - MSE / MSE(mean baseline)}. */
    public double skillOverMean() {
        return skillOverMean;
    }

    /** {@code 1 - MSE / MSE(last baseline)}. */
    public double skillOverLast() {
        return skillOverLast;
    }

    /** MSE over the last {@code window} labelled events. */
    public double rollingMse() {
        return rolling.value();
    }
}
