package io.streamlearn.streams.backtest;

import java.util.HashMap;
import java.util.Map;

/**
 * One event read from a backtest input, in a mutable holder that an {@link EventSource} refills for
 * every row (so reading allocates little). Copy what must outlive the next {@link EventSource#next}.
 */
public final class BacktestEvent {
    String key;
    String id;
    long time;
    Map<String, Double> features = new HashMap<>();
    double label = Double.NaN;
    long line;

    public String key() {
        return key;
    }

    /** The event's id ({@code id} of JSON lines and Avro), or null (CSV rows have none). */
    public String id() {
        return id;
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
        String i = id;
        id = other.id;
        other.id = i;
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

    /** Fills this event with an id; for sources and tests. */
    public BacktestEvent set(String key, String id, long time, Map<String, Double> features, double label, long line) {
        set(key, time, features, label, line);
        this.id = id;
        return this;
    }

    /** Fills this event; for sources and tests. */
    public BacktestEvent set(String key, long time, Map<String, Double> features, double label, long line) {
        this.key = key;
        this.id = null;
        this.time = time;
        this.features.clear();
        this.features.putAll(features);
        this.label = label;
        this.line = line;
        return this;
    }
}
