package io.streamlearn.learn.memory;

import io.streamlearn.learn.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A diagonal linear state-space memory with fixed stable eigenvalues, discretised exactly by the elapsed
 * event time (zero-order hold), after LSSL/S4D (Gu et al., "Combining Recurrent, Convolutional and
 * Continuous-time Models with Linear State-Space Layers", 2021; Gu, Gupta, Goel and Ré, "On the
 * Parameterization and Initialization of Diagonal State Space Models", 2022). For each mode k,
 * <pre>
 *   ds_k/dt = λ_k s_k + b_k u(t),   b_k = -λ_k (unit DC gain, so states stay on the input's scale)
 *   ZOH over Δt:  s_k ← e^{λ_k Δt} s_k + (1 - e^{λ_k Δt}) u_t
 * </pre>
 * Eigenvalues ({@code T} = {@code timescale}): {@code init=real} (S4D-Real) λ_k = -(k+1)/T, k = 0..n-1,
 * n real modes with time constants T, T/2, ..., T/n; {@code init=lin} (S4D-Lin) λ_m = (-1/2 + iπm)/T,
 * m = 0..n/2-1, damped oscillators whose real and imaginary parts take two slots each (n even). The first
 * input of a key sets every state to its steady state {@code u} (as if the input had always been u).
 *
 * <p>SPEC: {@code ssm:n=16[,init=real|lin][,timescale=1h][,of=label|features]}. {@code of=label}
 * (default): driven by the label, advanced in {@code learn}, outputs the n states as of the last label.
 * {@code of=features}: one bank of n states per input feature, advanced on every event in
 * {@code observe}, {@code n·d} outputs that include the current event.
 *
 * <p>State layout: {@code [channel 0 states (n), channel 1 states, ..., lastTime, seen]}.
 *
 * <pre>{@code
 * Learner l = Learners.create("ssm:n=8,init=lin,timescale=1d+sgd", 3);   // readout input: 3 + 8
 * }</pre>
 */
public final class SsmMemory implements Memory {

    private final int n;
    private final boolean lin;
    private final double timescale;
    private final boolean ofFeatures;
    private final int channels;

    /**
     * @param n          number of state slots (even for {@code lin})
     * @param lin        S4D-Lin complex modes instead of S4D-Real
     * @param timescale  T in milliseconds
     * @param ofFeatures driven by the features instead of the label
     * @param dimension  number of input features
     */
    public SsmMemory(int n, boolean lin, double timescale, boolean ofFeatures, int dimension) {
        if (n < 1 || (lin && n % 2 != 0)) {
            throw new IllegalArgumentException("ssm: n must be >= 1 (and even for init=lin), got " + n);
        }
        if (!(timescale > 0) || !Double.isFinite(timescale)) {
            throw new IllegalArgumentException("ssm: timescale must be > 0");
        }
        this.n = n;
        this.lin = lin;
        this.timescale = timescale;
        this.ofFeatures = ofFeatures;
        this.channels = ofFeatures ? dimension : 1;
    }

    /** Factory: reads {@code n} (16), {@code init} (real), {@code timescale} (1h), {@code of} (label). */
    public static SsmMemory fromSpec(ModelSpec.Params params, int dimension) {
        int n = params.integer("n", 16, 1, 4096);
        boolean lin = params.choice("init", "real", "real", "lin").equals("lin");
        double t = Durations.parse("ssm", "timescale", params.string("timescale", "1h"));
        boolean features = params.choice("of", "label", "label", "features").equals("features");
        return new SsmMemory(n, lin, t, features, dimension);
    }

    /** The continuous-time eigenvalue of real mode k (init=real), per millisecond. */
    public double realEigenvalue(int k) {
        return -(k + 1) / timescale;
    }

    @Override
    public String spec() {
        return "ssm:n=" + n + ",init=" + (lin ? "lin" : "real") + ",timescale=" + Durations.format(timescale)
                + ",of=" + (ofFeatures ? "features" : "label");
    }

    @Override
    public int size() {
        return channels * n + 2;
    }

    @Override
    public int outputs() {
        return channels * n;
    }

    @Override
    public boolean observesEvents() {
        return ofFeatures;
    }

    /**
     * One ZOH step of every channel from {@code src} into {@code dst} (which may be the same array and
     * offset), with inputs {@code u[c]} ({@code x}) or the single {@code label}.
     */
    private void step(double[] src, int srcOff, double[] dst, int dstOff, double[] x, double label, long time) {
        boolean seen = src[srcOff + channels * n + 1] != 0.0;
        double dt = seen ? time - src[srcOff + channels * n] : 0.0;
        if (dt < 0) {
            dt = 0.0;
        }
        for (int c = 0; c < channels; c++) {
            double u = ofFeatures ? x[c] : label;
            int si = srcOff + c * n;
            int di = dstOff + c * n;
            if (!seen) {
                for (int k = 0; k < n; k++) {
                    dst[di + k] = lin && (k & 1) == 1 ? 0.0 : u;
                }
            } else if (!lin) {
                double a1 = Math.exp(-dt / timescale);
                double a = a1;
                for (int k = 0; k < n; k++) {
                    dst[di + k] = a * src[si + k] + (1.0 - a) * u;
                    a *= a1;
                }
            } else {
                double rho = Math.exp(-0.5 * dt / timescale);
                double theta = Math.PI * dt / timescale;
                double zr = Math.cos(theta);
                double zi = Math.sin(theta);
                double pr = rho;          // rho * z^m, m = 0
                double pi = 0.0;
                for (int k = 0; k < n; k += 2) {
                    double re = src[si + k];
                    double im = src[si + k + 1];
                    dst[di + k] = pr * re - pi * im + (1.0 - pr) * u;
                    dst[di + k + 1] = pi * re + pr * im - pi * u;
                    double nr = pr * zr - pi * zi;
                    pi = pr * zi + pi * zr;
                    pr = nr;
                }
            }
        }
    }

    @Override
    public void features(double[] s, int offset, double[] x, long time, boolean absorbed, double[] out, int outOffset,
                         double[] scratch) {
        if (ofFeatures && !absorbed) {
            step(s, offset, out, outOffset, x, 0.0, time);
        } else {
            System.arraycopy(s, offset, out, outOffset, channels * n);
        }
    }

    private void advance(double[] s, int offset, double[] x, double label, long time) {
        boolean seen = s[offset + channels * n + 1] != 0.0;
        step(s, offset, s, offset, x, label, time);
        if (!seen || time > s[offset + channels * n]) {
            s[offset + channels * n] = time;
        }
        s[offset + channels * n + 1] = 1.0;
    }

    @Override
    public void observe(double[] s, int offset, double[] x, long time) {
        if (ofFeatures) {
            advance(s, offset, x, 0.0, time);
        }
    }

    @Override
    public void learn(double[] s, int offset, double[] x, long time, double label, double[] features,
                      int featuresOffset, double[] scratch) {
        if (!ofFeatures) {
            advance(s, offset, x, label, time);
        }
    }

    @Override
    public Map<String, double[]> inspect(double[] s, int offset) {
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("states", java.util.Arrays.copyOfRange(s, offset, offset + channels * n));
        m.put("lastTime", new double[] {s[offset + channels * n]});
        return m;
    }
}
