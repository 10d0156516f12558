package io.streamlearn.learn.drift;

import io.streamlearn.learn.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Page-Hinkley test for an increase of the mean (Page, "Continuous Inspection Schemes", Biometrika
 * 1954; in the incremental form of Gama, Sebastião and Rodrigues, "On evaluating stream learning
 * algorithms", Machine Learning 2013, and MOA's {@code PageHinkleyDM}):
 * <pre>
 *   n ← n + 1;   x̄ ← x̄ + (x − x̄)/n
 *   m ← alpha·m + (x − x̄ − delta);   M ← min(M, m)
 *   change when n ≥ min and m − M &gt; lambda; the test then restarts (n = x̄ = m = M = 0)
 * </pre>
 * {@code delta} is the magnitude of change tolerated and {@code lambda} the alarm threshold, both in the
 * units of the watched values (here the absolute error of the readout); {@code alpha} ≤ 1 fades old
 * deviations (1 is the classic test).
 *
 * <p>State: {@code [n, mean, m, M]}, 4 doubles.
 */
public final class PageHinkley implements DriftDetector {

    private final double delta;
    private final double lambda;
    private final double alpha;
    private final int minInstances;

    public PageHinkley(double delta, double lambda, double alpha, int minInstances) {
        if (!(delta >= 0) || !(lambda > 0) || !(alpha > 0 && alpha <= 1) || minInstances < 1) {
            throw new IllegalArgumentException("ph: need delta >= 0, lambda > 0, 0 < alpha <= 1, min >= 1");
        }
        this.delta = delta;
        this.lambda = lambda;
        this.alpha = alpha;
        this.minInstances = minInstances;
    }

    /** Reads {@code delta} (0.005), {@code lambda} (50), {@code alpha} (1), {@code min} (30). */
    public static PageHinkley fromSpec(ModelSpec.Params p) {
        return new PageHinkley(p.nonNegative("delta", 0.005), p.positive("lambda", 50), p.positive("alpha", 1.0),
                p.integer("min", 30, 1, Integer.MAX_VALUE));
    }

    @Override
    public String spec() {
        return "detector=ph,delta=" + delta + ",lambda=" + lambda + ",alpha=" + alpha + ",min=" + minInstances;
    }

    @Override
    public int size() {
        return 4;
    }

    @Override
    public void reset(double[] s, int offset) {
        java.util.Arrays.fill(s, offset, offset + 4, 0.0);
    }

    @Override
    public boolean add(double[] s, int offset, double value) {
        double n = s[offset] + 1;
        double mean = s[offset + 1] + (value - s[offset + 1]) / n;
        double m = alpha * s[offset + 2] + (value - mean - delta);
        double min = n == 1 ? Math.min(0.0, m) : Math.min(s[offset + 3], m);
        if (n >= minInstances && m - min > lambda) {
            reset(s, offset);
            return true;
        }
        s[offset] = n;
        s[offset + 1] = mean;
        s[offset + 2] = m;
        s[offset + 3] = min;
        return false;
    }

    @Override
    public Map<String, double[]> inspect(double[] s, int offset) {
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("count", new double[] {s[offset]});
        m.put("mean", new double[] {s[offset + 1]});
        m.put("cumulativeDeviation", new double[] {s[offset + 2]});
        m.put("minimum", new double[] {s[offset + 3]});
        m.put("statistic", new double[] {s[offset + 2] - s[offset + 3]});
        return m;
    }
}
