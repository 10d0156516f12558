package io.streamlearn.learn.memory;

import io.streamlearn.learn.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Seasonal label memory: the key's label one period ago, for each period, by event time. With the
 * default periods of one day and one week, hourly data gets the labels 24 and 168 events back, daily
 * data the labels 1 and 7 days back, half-hourly data 48 and 336: the key's spacing between
 * timestamps chooses the lags, and gaps in the data (missing hours) do not shift them.
 *
 * <p>For period P and an event at time t the feature is the label of the latest stored labelled event
 * at or before {@code t - P + P/48} (half an hour per day of period), if that event is no earlier than
 * {@code t - P - P/48}; otherwise (history too short, a gap, or a period longer than the stored
 * window) the key's most recent label, and 0 before the key's first label.
 *
 * <p>SPEC: {@code season[:periods=1d/7d,capacity=400]}. Label-driven: advanced in {@code learn}.
 * {@code capacity} is how many labelled events the ring keeps; a period is found only while it spans
 * fewer events (400 covers a week of half-hourly data).
 *
 * <p>State layout: {@code [time_0 .. time_{C-1}, label_0 .. label_{C-1}, head, count]} ({@code 2C + 2}
 * doubles, times in epoch milliseconds).
 *
 * <pre>{@code
 * Learner l = Learners.create("lags:p=1+season+kalman", 3);   // readout input: 3 + 1 + 2
 * }</pre>
 */
public final class SeasonMemory implements Memory {

    private final double[] periods;
    private final int capacity;

    /**
     * @param periods  the periods in milliseconds, each &gt; 0
     * @param capacity how many labelled events the ring keeps, &gt;= 1
     */
    public SeasonMemory(double[] periods, int capacity) {
        if (periods.length == 0 || capacity < 1) {
            throw new IllegalArgumentException("season: needs periods and capacity >= 1");
        }
        for (double p : periods) {
            if (!(p > 0 && p < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("season: periods must be > 0");
            }
        }
        this.periods = periods.clone();
        this.capacity = capacity;
    }

    /** Factory: reads {@code periods} (default 1d/7d) and {@code capacity} (default 400). */
    public static SeasonMemory fromSpec(ModelSpec.Params params, int dimension) {
        double[] periods = Durations.parseList("season", "periods", params.string("periods", "1d/7d"));
        return new SeasonMemory(periods, params.integer("capacity", 400, 1, 100_000));
    }

    @Override
    public String spec() {
        return "season:periods=" + Durations.formatList(periods) + ",capacity=" + capacity;
    }

    @Override
    public int size() {
        return 2 * capacity + 2;
    }

    @Override
    public int outputs() {
        return periods.length;
    }

    @Override
    public boolean observesEvents() {
        return false;
    }

    @Override
    public void features(double[] s, int offset, double[] x, long time, boolean absorbed, double[] out, int outOffset,
                         double[] scratch) {
        int head = (int) s[offset + 2 * capacity];
        int count = (int) s[offset + 2 * capacity + 1];
        int newest = head == 0 ? capacity - 1 : head - 1;
        double last = count > 0 ? s[offset + capacity + newest] : 0.0;
        for (int k = 0; k < periods.length; k++) {
            double target = time - periods[k];
            double tol = periods[k] / 48.0;
            double value = last;
            int idx = newest;
            for (int i = 0; i < count; i++) {
                double t = s[offset + idx];
                if (t <= target + tol) {
                    if (t >= target - tol) {
                        value = s[offset + capacity + idx];
                    }
                    break;
                }
                idx = idx == 0 ? capacity - 1 : idx - 1;
            }
            out[outOffset + k] = value;
        }
    }

    @Override
    public void learn(double[] s, int offset, double[] x, long time, double label, double[] features,
                      int featuresOffset, double[] scratch) {
        int head = (int) s[offset + 2 * capacity];
        s[offset + head] = time;
        s[offset + capacity + head] = label;
        s[offset + 2 * capacity] = head + 1 == capacity ? 0 : head + 1;
        if (s[offset + 2 * capacity + 1] < capacity) {
            s[offset + 2 * capacity + 1] += 1;
        }
    }

    /** {@code periodsMs}, and {@code stored}: the number of labelled events in the ring. */
    @Override
    public Map<String, double[]> inspect(double[] s, int offset) {
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("periodsMs", periods.clone());
        m.put("stored", new double[] {s[offset + 2 * capacity + 1]});
        return m;
    }
}
