package io.streamlearn.learn.memory;

import io.streamlearn.learn.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Time-aware exponential moving averages at several time constants, exact for irregular timestamps:
 * each average is a ratio of two exponentially decayed sums,
 * <pre>
 *   N ← e^{-Δt/τ} N + u_t,    D ← e^{-Δt/τ} D + 1,    m = N / D
 *   so that  m_t = Σ_i u_i e^{-(t - t_i)/τ} / Σ_i e^{-(t - t_i)/τ}
 * </pre>
 * with Δt the event time elapsed since the previous update (clamped at 0 for out-of-order events). The
 * normalisation removes the start-up bias of a zero-initialised average (the first value is the first
 * input) and makes the weights depend only on elapsed time, never on how many events arrived (Eckner,
 * "Algorithms for Unevenly Spaced Time Series", 2019, discusses the alternatives).
 *
 * <p>SPEC: {@code ema:tau=60s/1h/1d[,of=label|features]}. {@code of=label} (default) averages the label:
 * label-driven, advanced in {@code learn}, {@code |τ|} features. {@code of=features} averages every
 * input feature: feature-driven, advanced in {@code observe} on every event, {@code |τ|·d} features
 * (for τ_0 all features, then τ_1, ...), which include the current event.
 *
 * <p>State layout: for each τ_j, {@code [N_j (1 or d values), D_j]}, then the time of the last update
 * (epoch ms as a double, exact below 2^53). Size {@code |τ|·(k+1) + 1} with k = 1 or d.
 *
 * <pre>{@code
 * Learner l = Learners.create("ema:tau=1m/1h/1d+sgd", 3);   // readout input: 3 + 3
 * }</pre>
 */
public final class EmaMemory implements Memory {

    private final double[] tau;
    private final boolean ofFeatures;
    private final int width;        // averaged values per τ: 1 (label) or d (features)
    private final int block;        // width + 1

    /**
     * @param tau        time constants in milliseconds, each &gt; 0
     * @param ofFeatures average the features (true) or the label (false)
     * @param dimension  number of input features
     */
    public EmaMemory(double[] tau, boolean ofFeatures, int dimension) {
        if (tau.length == 0) {
            throw new IllegalArgumentException("ema: at least one tau is needed");
        }
        for (double t : tau) {
            if (!(t > 0) || !Double.isFinite(t)) {
                throw new IllegalArgumentException("ema: tau must be > 0, got " + t);
            }
        }
        this.tau = tau.clone();
        this.ofFeatures = ofFeatures;
        this.width = ofFeatures ? dimension : 1;
        this.block = width + 1;
    }

    /** Factory: reads {@code tau} (default {@code 1h}) and {@code of} (default {@code label}). */
    public static EmaMemory fromSpec(ModelSpec.Params params, int dimension) {
        double[] tau = Durations.parseList("ema", "tau", params.string("tau", "1h"));
        boolean features = params.choice("of", "label", "label", "features").equals("features");
        return new EmaMemory(tau, features, dimension);
    }

    @Override
    public String spec() {
        return "ema:tau=" + Durations.formatList(tau) + ",of=" + (ofFeatures ? "features" : "label");
    }

    @Override
    public int size() {
        return tau.length * block + 1;
    }

    @Override
    public int outputs() {
        return tau.length * width;
    }

    @Override
    public boolean observesEvents() {
        return ofFeatures;
    }

    private int timeSlot(int offset) {
        return offset + tau.length * block;
    }

    /** e^{-Δt/τ_j}; 0 when nothing was seen yet (D_0 == 0 makes it irrelevant anyway). */
    private double decay(double[] s, int offset, int j, long time) {
        double dt = time - s[timeSlot(offset)];
        return Math.exp(-(dt > 0 ? dt : 0.0) / tau[j]);
    }

    @Override
    public void features(double[] s, int offset, double[] x, long time, boolean absorbed, double[] out, int outOffset,
                         double[] scratch) {
        for (int j = 0; j < tau.length; j++) {
            int b = offset + j * block;
            double den = s[b + width];
            if (ofFeatures && !absorbed) {
                double a = den > 0 ? decay(s, offset, j, time) : 0.0;
                double d2 = a * den + 1.0;
                for (int i = 0; i < width; i++) {
                    out[outOffset + j * width + i] = (a * s[b + i] + x[i]) / d2;
                }
            } else {
                for (int i = 0; i < width; i++) {
                    out[outOffset + j * width + i] = den > 0 ? s[b + i] / den : 0.0;
                }
            }
        }
    }

    private void absorb(double[] s, int offset, double[] x, double label, long time) {
        boolean first = s[offset + width] == 0.0;
        for (int j = 0; j < tau.length; j++) {
            int b = offset + j * block;
            double den = s[b + width];
            double a = den > 0 ? decay(s, offset, j, time) : 0.0;
            for (int i = 0; i < width; i++) {
                s[b + i] = a * s[b + i] + (ofFeatures ? x[i] : label);
            }
            s[b + width] = a * den + 1.0;
        }
        if (first || time > s[timeSlot(offset)]) {
            s[timeSlot(offset)] = time;
        }
    }

    @Override
    public void observe(double[] s, int offset, double[] x, long time) {
        if (ofFeatures) {
            absorb(s, offset, x, 0.0, time);
        }
    }

    @Override
    public void learn(double[] s, int offset, double[] x, long time, double label, double[] features,
                      int featuresOffset, double[] scratch) {
        if (!ofFeatures) {
            absorb(s, offset, x, label, time);
        }
    }

    @Override
    public Map<String, double[]> inspect(double[] s, int offset) {
        Map<String, double[]> m = new LinkedHashMap<>();
        double[] f = new double[outputs()];
        features(s, offset, null, 0L, true, f, 0, null);
        m.put(ofFeatures ? "featureAverages" : "labelAverages", f);
        m.put("tauMillis", tau.clone());
        double[] weights = new double[tau.length];
        for (int j = 0; j < tau.length; j++) {
            weights[j] = s[offset + j * block + width];
        }
        m.put("weightSums", weights);
        m.put("lastTime", new double[] {s[timeSlot(offset)]});
        return m;
    }
}
