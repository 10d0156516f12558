package io.streamlearn.learn.memory;

import io.streamlearn.learn.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last {@code p} labels of the key as features: the autoregressive input window of LTSF-Linear
 * (Zeng, Chen, Zhang and Xu, "Are Transformers Effective for Time Series Forecasting?", AAAI 2023).
 * With {@code split=dlinear} the window is split as in DLinear: a moving-average trend with kernel
 * {@code ma} (odd; the window is padded at both ends by repeating its end values, as DLinear's
 * {@code moving_avg} does) and the remainder (window minus trend); the readout then sees both parts.
 *
 * <p>SPEC: {@code lags:p=24[,split=none|dlinear][,ma=25]}. Label-driven: advanced in {@code learn}.
 * Features (lag 1 = most recent label first): {@code split=none}: {@code y_{t-1} .. y_{t-p}};
 * {@code split=dlinear}: trend {@code T_1..T_p} followed by remainder {@code R_1..R_p}. Lags not seen yet
 * (the first p-1 labels of a key) are 0.
 *
 * <p>State layout: {@code [ring_0 .. ring_{p-1}, head, count]} ({@code p + 2} doubles): {@code head} is
 * the ring index the next label goes to, {@code count} the number of labels stored (at most p).
 *
 * <pre>{@code
 * Learner l = Learners.create("lags:p=24,split=dlinear,ma=5+sgd", 3);   // readout input: 3 + 48
 * }</pre>
 */
public final class LagMemory implements Memory {

    private final int p;
    private final boolean dlinear;
    private final int kernel;

    /**
     * @param p       window length, &gt;= 1
     * @param dlinear whether to split into trend and remainder
     * @param kernel  odd moving-average kernel, 1..(2p-1); ignored without the split
     */
    public LagMemory(int p, boolean dlinear, int kernel) {
        if (p < 1) {
            throw new IllegalArgumentException("lags: p must be >= 1, got " + p);
        }
        if (dlinear && (kernel < 1 || kernel % 2 == 0)) {
            throw new IllegalArgumentException("lags: ma must be odd and >= 1, got " + kernel);
        }
        this.p = p;
        this.dlinear = dlinear;
        this.kernel = kernel;
    }

    /** Factory: reads {@code p} (default 24), {@code split} and {@code ma} (default: largest odd &lt;= min(25, p)). */
    public static LagMemory fromSpec(ModelSpec.Params params, int dimension) {
        int p = params.integer("p", 24, 1, 100_000);
        boolean dlinear = params.choice("split", "none", "none", "dlinear").equals("dlinear");
        int dflt = Math.min(25, p);
        if (dflt % 2 == 0) {
            dflt--;
        }
        int ma = params.integer("ma", dflt, 1, 2 * p - 1);
        return new LagMemory(p, dlinear, dlinear ? ma : dflt);
    }

    @Override
    public String spec() {
        return dlinear ? "lags:p=" + p + ",split=dlinear,ma=" + kernel : "lags:p=" + p + ",split=none";
    }

    @Override
    public int size() {
        return p + 2;
    }

    @Override
    public int outputs() {
        return dlinear ? 2 * p : p;
    }

    @Override
    public boolean observesEvents() {
        return false;
    }

    /** Lag {@code i} (1-based: 1 = most recent) from the ring, 0 if not seen yet. */
    private double lag(double[] s, int offset, int i) {
        int count = (int) s[offset + p + 1];
        if (i > count) {
            return 0.0;
        }
        int idx = (int) s[offset + p] - i;
        if (idx < 0) {
            idx += p;
        }
        return s[offset + idx];
    }

    @Override
    public void features(double[] s, int offset, double[] x, long time, boolean absorbed, double[] out, int outOffset,
                         double[] scratch) {
        int head = (int) s[offset + p];
        int count = (int) s[offset + p + 1];
        int raw = dlinear ? outOffset + p : outOffset;     // unroll the ring: lag i at raw + i - 1
        int idx = head;
        for (int i = 0; i < p; i++) {
            idx = idx == 0 ? p - 1 : idx - 1;
            out[raw + i] = i < count ? s[offset + idx] : 0.0;
        }
        if (!dlinear) {
            return;
        }
        int half = kernel / 2;
        for (int i = 0; i < p; i++) {
            double sum = 0.0;
            for (int j = i - half; j <= i + half; j++) {
                sum += out[raw + (j < 0 ? 0 : (j >= p ? p - 1 : j))];     // replicate padding at both ends
            }
            out[outOffset + i] = sum / kernel;
        }
        for (int i = 0; i < p; i++) {
            out[raw + i] -= out[outOffset + i];
        }
    }

    @Override
    public void learn(double[] s, int offset, double[] x, long time, double label, double[] features,
                      int featuresOffset, double[] scratch) {
        int head = (int) s[offset + p];
        s[offset + head] = label;
        s[offset + p] = head + 1 == p ? 0 : head + 1;
        if (s[offset + p + 1] < p) {
            s[offset + p + 1] += 1;
        }
    }

    @Override
    public Map<String, double[]> inspect(double[] s, int offset) {
        Map<String, double[]> m = new LinkedHashMap<>();
        int count = (int) s[offset + p + 1];
        double[] window = new double[count];
        for (int i = 1; i <= count; i++) {
            window[i - 1] = lag(s, offset, i);
        }
        m.put("window", window);
        if (dlinear) {
            double[] f = new double[2 * p];
            features(s, offset, null, 0L, true, f, 0, null);
            m.put("trend", java.util.Arrays.copyOfRange(f, 0, p));
            m.put("remainder", java.util.Arrays.copyOfRange(f, p, 2 * p));
        }
        return m;
    }
}
