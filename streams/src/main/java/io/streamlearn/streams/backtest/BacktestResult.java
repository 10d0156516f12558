package io.streamlearn.streams.backtest;

import io.streamlearn.streams.score.ScoringStep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What a {@link Backtest} measured. */
public final class BacktestResult {
    private final List<String> models;
    private final List<String> features;
    private final List<ModelMetrics> metrics;
    private final long labelDelayMillis;
    long rows;
    long events;
    long labelled;
    long predictOnly;
    long badRows;
    long lateLearned;
    long flushedAtEnd;
    java.util.Map<String, byte[]> finalStates = java.util.Map.of();
    boolean binary;
    final List<BadRowException> badRowLines = new ArrayList<>();
    List<String> keys;
    List<Backtest.KeyStats> keyStats;
    ReportData report;
    ScoringStep.Counters counters;
    private double[] auc;

    BacktestResult(List<String> models, List<String> features, List<ModelMetrics> metrics, long labelDelayMillis) {
        this.models = models;
        this.features = features;
        this.metrics = metrics;
        this.labelDelayMillis = labelDelayMillis;
    }

    void finish() {
        int mean = models.indexOf("mean");
        int last = models.indexOf("last");
        auc = new double[metrics.size()];
        for (int i = 0; i < metrics.size(); i++) {
            ModelMetrics m = metrics.get(i);
            m.skillOverMean = skill(m.mse(), metrics.get(mean).mse());
            m.skillOverLast = skill(m.mse(), metrics.get(last).mse());
            auc[i] = binary ? m.auc() : Double.NaN;
        }
    }

    private static double skill(double mse, double baseline) {
        return baseline > 0 ? 1.0 - mse / baseline : Double.NaN;
    }

    /** Every model run, the champion first, then the others, then the baselines. */
    public List<String> models() {
        return models;
    }

    /** The feature names, in vector order. */
    public List<String> features() {
        return features;
    }

    /** Metrics per model, in {@link #models()} order. */
    public List<ModelMetrics> metrics() {
        return Collections.unmodifiableList(metrics);
    }

    /** AUC of model {@code i}, NaN unless the labels are all 0/1. */
    public double auc(int i) {
        return auc[i];
    }

    /** Data rows read (bad rows included). */
    public long rows() {
        return rows;
    }

    /** Events scored. */
    public long events() {
        return events;
    }

    /** Scored events with a label (the metrics' row count). */
    public long labelled() {
        return labelled;
    }

    /** Scored events without a label. */
    public long predictOnly() {
        return predictOnly;
    }

    /** Rows skipped as bad. */
    public long badRows() {
        return badRows;
    }

    /** The first {@link Backtest#KEPT_BAD_ROWS} bad rows, with line numbers and reasons. */
    public List<BadRowException> badRowLines() {
        return Collections.unmodifiableList(badRowLines);
    }

    /** Labels learned after a delay, before the end of the file. */
    public long lateLearned() {
        return lateLearned;
    }

    /** Labels still pending at the end of the file, learned then. */
    public long flushedAtEnd() {
        return flushedAtEnd;
    }

    /** Whether every label was 0 or 1 (classification metrics apply). */
    public boolean binary() {
        return binary;
    }

    /** Distinct keys scored. */
    public List<String> keys() {
        return Collections.unmodifiableList(keys);
    }

    /** Label delay in ms, or negative for none. */
    public long labelDelayMillis() {
        return labelDelayMillis;
    }

    /**
     * Every key's model states at the end of the run, keyed by {@code ModelStore.storeKey} (entity key
     * and model), sorted: what {@code streamlearn export} would read from the live changelog after the
     * same events and labels (population priors, which belong to a partition, are left out as there).
     */
    public java.util.Map<String, byte[]> finalStates() {
        return finalStates;
    }

    /** The scoring step's counters (fresh states, discarded updates). */
    public ScoringStep.Counters counters() {
        return counters;
    }

    /** Per-key MSE of the champion (NaN for a key with no label), in {@link #keys()} order. */
    public double[] championMsePerKey() {
        double[] out = new double[keyStats.size()];
        for (int i = 0; i < out.length; i++) {
            Backtest.KeyStats s = keyStats.get(i);
            out[i] = s.labelled == 0 ? Double.NaN : s.championSse / s.labelled;
        }
        return out;
    }

    /** Per-key MSE of the mean baseline, in {@link #keys()} order. */
    double[] meanMsePerKey() {
        double[] out = new double[keyStats.size()];
        for (int i = 0; i < out.length; i++) {
            Backtest.KeyStats s = keyStats.get(i);
            out[i] = s.labelled == 0 ? Double.NaN : s.meanSse / s.labelled;
        }
        return out;
    }

    long[] labelledPerKey() {
        long[] out = new long[keyStats.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = keyStats.get(i).labelled;
        }
        return out;
    }
}
