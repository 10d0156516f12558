package io.streamlearn.learn.drift;

import io.streamlearn.learn.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ADWIN, adaptive windowing (Bifet and Gavaldà, "Learning from Time-Changing Data with Adaptive
 * Windowing", SDM 2007), in its ADWIN2 form: the window is kept as an exponential histogram, and every
 * {@code clock} values the window is cut at each bucket boundary into an older part W0 and a newer part
 * W1; while some cut has
 * <pre>
 *   |μ̂0 − μ̂1| &gt; ε,   ε = sqrt(2 m σ̂² ln(2 ln(n)/δ)) + (2/3) m ln(2 ln(n)/δ),
 *   m = 1/(n0 − L + 1) + 1/(n1 − L + 1)   (L = min, the shortest side considered),
 * </pre>
 * the oldest bucket is dropped, and a change is reported (the variance-based bound of MOA's
 * {@code ADWIN}, with σ̂² the window's variance).
 *
 * <p><b>Fixed size.</b> Row r of the histogram holds buckets of 2^r values, at most {@code buckets}
 * (M) per row; when a row overflows its two oldest buckets merge into one bucket of the next row. There
 * are at most {@code rows} (R) rows: when the last row overflows its oldest bucket is dropped, so the
 * window never exceeds about {@code M·2^R} values (5·2^20 ≈ 5 million with the defaults) and the state is
 * {@code 4 + R + 2·R·(M+1)} doubles whatever the stream length (264 with the defaults). Each bucket
 * keeps its sum and its M2 (sum of squared deviations), merged exactly (Chan, Golub and LeVeque), so the
 * window's total and variance are exact.
 *
 * <p>State layout: {@code [width, total, M2, clock counter, count_0..count_{R-1},
 * then per row r: sums (M+1), then M2s (M+1)]}; in each row bucket 0 is the oldest.
 */
public final class Adwin implements DriftDetector {

    private static final int WIDTH = 0;
    private static final int TOTAL = 1;
    private static final int M2 = 2;
    private static final int CLOCK = 3;
    private static final int HEADER = 4;

    private final double delta;
    private final int maxBuckets;
    private final int rows;
    private final int clock;
    private final int minLength;
    private final int rowStride;

    /**
     * @param delta      confidence δ, in (0, 1)
     * @param maxBuckets M, buckets per row
     * @param rows       R, number of rows
     * @param clock      check for a change every {@code clock} values
     * @param minLength  L, shortest sub-window compared
     */
    public Adwin(double delta, int maxBuckets, int rows, int clock, int minLength) {
        if (!(delta > 0 && delta < 1) || maxBuckets < 2 || rows < 1 || rows > 60 || clock < 1 || minLength < 1) {
            throw new IllegalArgumentException("adwin: need 0 < delta < 1, buckets >= 2, 1 <= rows <= 60, clock >= 1, min >= 1");
        }
        this.delta = delta;
        this.maxBuckets = maxBuckets;
        this.rows = rows;
        this.clock = clock;
        this.minLength = minLength;
        this.rowStride = 2 * (maxBuckets + 1);
    }

    /** Reads {@code delta} (0.002), {@code buckets} (5), {@code rows} (20), {@code clock} (32), {@code min} (10). */
    public static Adwin fromSpec(ModelSpec.Params p) {
        return new Adwin(p.positive("delta", 0.002), p.integer("buckets", 5, 2, 1000), p.integer("rows", 20, 1, 60),
                p.integer("clock", 32, 1, Integer.MAX_VALUE), p.integer("min", 10, 1, Integer.MAX_VALUE));
    }

    @Override
    public String spec() {
        return "detector=adwin,delta=" + delta + ",buckets=" + maxBuckets + ",rows=" + rows + ",clock=" + clock
                + ",min=" + minLength;
    }

    @Override
    public int size() {
        return HEADER + rows + rows * rowStride;
    }

    @Override
    public void reset(double[] s, int offset) {
        java.util.Arrays.fill(s, offset, offset + size(), 0.0);
    }

    private int countSlot(int o, int r) {
        return o + HEADER + r;
    }

    private int sumSlot(int o, int r, int b) {
        return o + HEADER + rows + r * rowStride + b;
    }

    private int m2Slot(int o, int r, int b) {
        return o + HEADER + rows + r * rowStride + maxBuckets + 1 + b;
    }

    /** Number of values currently in the window. */
    public double width(double[] s, int offset) {
        return s[offset + WIDTH];
    }

    /** Sum of the values in the window. */
    public double total(double[] s, int offset) {
        return s[offset + TOTAL];
    }

    /** Population variance of the values in the window. */
    public double variance(double[] s, int offset) {
        double w = s[offset + WIDTH];
        return w > 0 ? s[offset + M2] / w : 0.0;
    }

    @Override
    public boolean add(double[] s, int o, double value) {
        double w = s[o + WIDTH];
        if (w > 0) {
            double mean = s[o + TOTAL] / w;
            s[o + M2] += w * (value - mean) * (value - mean) / (w + 1);
        }
        s[o + WIDTH] = w + 1;
        s[o + TOTAL] += value;
        append(s, o, 0, value, 0.0);
        compress(s, o);
        double ticks = s[o + CLOCK] + 1;
        if (ticks >= clock) {
            s[o + CLOCK] = 0;
            return s[o + WIDTH] > minLength && detect(s, o);
        }
        s[o + CLOCK] = ticks;
        return false;
    }

    private void append(double[] s, int o, int r, double sum, double m2) {
        int c = (int) s[countSlot(o, r)];
        s[sumSlot(o, r, c)] = sum;
        s[m2Slot(o, r, c)] = m2;
        s[countSlot(o, r)] = c + 1;
    }

    /** Removes the {@code k} oldest buckets of row r, shifting the rest down. */
    private void shift(double[] s, int o, int r, int k) {
        int c = (int) s[countSlot(o, r)];
        for (int b = k; b < c; b++) {
            s[sumSlot(o, r, b - k)] = s[sumSlot(o, r, b)];
            s[m2Slot(o, r, b - k)] = s[m2Slot(o, r, b)];
        }
        for (int b = c - k; b < c; b++) {
            s[sumSlot(o, r, b)] = 0.0;
            s[m2Slot(o, r, b)] = 0.0;
        }
        s[countSlot(o, r)] = c - k;
    }

    private void compress(double[] s, int o) {
        for (int r = 0; r < rows; r++) {
            if (s[countSlot(o, r)] <= maxBuckets) {
                return;
            }
            if (r == rows - 1) {
                deleteOldest(s, o);       // bounded memory: the oldest values leave the window
                return;
            }
            double n = Math.scalb(1.0, r);
            double s0 = s[sumSlot(o, r, 0)];
            double s1 = s[sumSlot(o, r, 1)];
            double diff = s0 / n - s1 / n;
            double m2 = s[m2Slot(o, r, 0)] + s[m2Slot(o, r, 1)] + n * n * diff * diff / (2 * n);
            shift(s, o, r, 2);
            append(s, o, r + 1, s0 + s1, m2);
        }
    }

    private int lastRow(double[] s, int o) {
        for (int r = rows - 1; r >= 0; r--) {
            if (s[countSlot(o, r)] > 0) {
                return r;
            }
        }
        return -1;
    }

    /** Drops the oldest bucket, updating width, total and M2 exactly. */
    private void deleteOldest(double[] s, int o) {
        int r = lastRow(s, o);
        if (r < 0) {
            return;
        }
        double n = Math.scalb(1.0, r);
        double sum = s[sumSlot(o, r, 0)];
        double m2 = s[m2Slot(o, r, 0)];
        double w = s[o + WIDTH] - n;
        double total = s[o + TOTAL] - sum;
        if (w > 0) {
            double d = sum / n - total / w;
            s[o + M2] = Math.max(0.0, s[o + M2] - m2 - n * w * d * d / (n + w));
        } else {
            s[o + M2] = 0.0;
            total = 0.0;
        }
        s[o + WIDTH] = w;
        s[o + TOTAL] = total;
        shift(s, o, r, 1);
    }

    private boolean detect(double[] s, int o) {
        boolean changed = false;
        boolean reduced = true;
        while (reduced && s[o + WIDTH] > 2 * minLength) {
            reduced = false;
            double width = s[o + WIDTH];
            double variance = s[o + M2] / width;
            double dd = Math.log(2 * Math.log(width) / delta);
            double n0 = 0;
            double n1 = width;
            double u0 = 0;
            double u1 = s[o + TOTAL];
            scan:
            for (int r = lastRow(s, o); r >= 0; r--) {
                double n = Math.scalb(1.0, r);
                int c = (int) s[countSlot(o, r)];
                for (int b = 0; b < c; b++) {
                    double sum = s[sumSlot(o, r, b)];
                    n0 += n;
                    n1 -= n;
                    u0 += sum;
                    u1 -= sum;
                    if (n1 <= minLength) {
                        break scan;
                    }
                    if (n0 > minLength) {
                        double m = 1.0 / (n0 - minLength + 1) + 1.0 / (n1 - minLength + 1);
                        double eps = Math.sqrt(2 * m * variance * dd) + 2.0 / 3.0 * dd * m;
                        if (Math.abs(u0 / n0 - u1 / n1) > eps) {
                            deleteOldest(s, o);
                            reduced = true;
                            changed = true;
                            break scan;
                        }
                    }
                }
            }
        }
        return changed;
    }

    @Override
    public Map<String, double[]> inspect(double[] s, int offset) {
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("width", new double[] {s[offset + WIDTH]});
        m.put("mean", new double[] {s[offset + WIDTH] > 0 ? s[offset + TOTAL] / s[offset + WIDTH] : 0.0});
        m.put("variance", new double[] {variance(s, offset)});
        double[] counts = new double[rows];
        for (int r = 0; r < rows; r++) {
            counts[r] = s[countSlot(offset, r)];
        }
        m.put("bucketsPerRow", counts);
        return m;
    }
}
