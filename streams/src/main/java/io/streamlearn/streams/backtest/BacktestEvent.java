package io.streamlearn.streams.backtest;

import java.util.HashMap;
import java.util.Map;

/**
 * One event read from a backtest input, in a mutable holder that an {@link EventSource} refills for
 * every row (so reading allocates little). Copy what must outlive the next {@link EventSource#next}.
 */
public final class BacktestEvent {
    String key;
    long time;
    Map<String, Double> features = new HashMap<>();
    double label = Double.NaN;
    long line;

    public String key() {
        return key;
    }

    /** Event time, epoch milliseconds. */
    public long time() {
        return time;
    }

    /** Named features; a missing feature is absent. Reused for the next row. */
    public Map<String, Double> features() {
        return features;
    }

    /** The label, or NaN when the row has none (predict only). */
    public double label() {
        return label;
    }

    /** The 1-based line (CSV, JSON lines) or record number (Avro) in the input. */
    public long line() {
        return line;
    }

    /** Exchanges contents with {@code other} (no copy: the feature maps change hands). */
    void swap(BacktestEvent other) {
        String k = key;
        key = other.key;
        other.key = k;
        long t = time;
        time = other.time;
        other.time = t;
        Map<String, Double> f = features;
        features = other.features;
        other.features = f;
        double l = label;
        label = other.label;
        other.label = l;
        long n = line;
        line = other.line;
        other.line = n;
    }

    /** Fills this event; for sources and tests. */
    public BacktestEvent set(String key, long time, Map<String, Double> features, double label, long line) {
        this.key = key;
        this.time = time;
        this.features.clear();
        this.features.putAll(features);
        this.label = label;
        this.line = line;
        return this;
    }
}
