package io.streamlearn.learn.memory;

import io.streamlearn.learn.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A gated delta-rule associative memory (DeltaNet and Gated DeltaNet: Yang, Wang, Zhang, Shen and Kim,
 * "Parallelizing Linear Transformers with the Delta Rule over Sequence Length", NeurIPS 2024; Yang, Kautz
 * and Hatamizadeh, "Gated Delta Networks", 2024). The memory is a matrix S (dv × dk) of fast weights;
 * for a labelled event with key k_t (from the features) and value v_t (the label),
 * <pre>
 *   S_j ← α_j S_j + β_t (v_t − S_j k_t) k_tᵀ          for each value channel (row) j
 *   β_t = lr / (eps + ‖k_t‖²)                          (normalised write strength)
 *   α_j = 1 − (1 − alpha)/(j + 1)                     (row 0 forgets fastest; alpha = 1: no forgetting)
 * </pre>
 * and the memory's output for event t is the retrieved value {@code S k_t} (dv features, each an online
 * estimate of the label from the current features with its own memory length). Every row is written
 * with the label, so rows differ only by their forget gate α_j: a bank of online regressors with
 * different memories. With {@code alpha=1} and {@code dv=1} the update is exactly normalised LMS
 * (Haykin, Adaptive Filter Theory, NLMS with regulariser eps, step size lr), stable for 0 &lt; lr &lt; 2.
 *
 * <p>Keys: {@code k = x} when {@code dk} equals the input dimension d (the default); otherwise
 * {@code k = P x} with P a fixed dk × d random ±1/√dk projection drawn from a seed that depends only on
 * (d, dk), so every key and every process uses the same P.
 *
 * <p>SPEC: {@code delta[:dk=d][,dv=1][,alpha=1][,lr=0.5][,eps=1e-6]}. As a memory stage it is label-driven
 * (advanced in {@code learn}) with dv outputs; as the last stage it is a readout ({@link DeltaLearner}).
 * State layout: S key-major ({@code S[i·dv + j]} is row j, key component i), {@code dv·dk} doubles. Cost per event: O(dv·dk + dk·d) with no allocation
 * (needs {@link #scratchSize()} doubles of scratch).
 *
 * <pre>{@code
 * Learner memory = Learners.create("delta:dk=16,dv=16+sgd", 16);   // readout input: 16 + 16
 * Learner nlms = Learners.create("delta:lr=0.5", 16);              // the memory as a predictor
 * }</pre>
 */
public final class DeltaMemory implements Memory {

    private final int d;
    private final int dk;
    private final int dv;
    private final double alpha;
    private final double learningRate;
    private final double eps;
    private final double[] gates;
    private final double[] projection;   // dk × d row-major, or null for the identity

    public DeltaMemory(int dimension, int dk, int dv, double alpha, double learningRate, double eps) {
        if (dk < 1 || dv < 1) {
            throw new IllegalArgumentException("delta: dk and dv must be >= 1");
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("delta: alpha must be in (0, 1], got " + alpha);
        }
        if (!(learningRate > 0 && learningRate < 2)) {
            throw new IllegalArgumentException("delta: lr must be in (0, 2) for stability, got " + learningRate);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("delta: eps must be > 0, got " + eps);
        }
        this.d = dimension;
        this.dk = dk;
        this.dv = dv;
        this.alpha = alpha;
        this.learningRate = learningRate;
        this.eps = eps;
        this.gates = new double[dv];
        for (int j = 0; j < dv; j++) {
            gates[j] = 1.0 - (1.0 - alpha) / (j + 1);
        }
        if (dk == dimension) {
            this.projection = null;
        } else {
            this.projection = new double[dk * dimension];
            SplittableRandom r = new SplittableRandom(0x5DEECE66DL ^ (31L * dimension + dk));
            double scale = 1.0 / Math.sqrt(dk);
            for (int i = 0; i < projection.length; i++) {
                projection[i] = r.nextBoolean() ? scale : -scale;
            }
        }
    }

    /** Factory: reads {@code dk}, {@code dv}, {@code alpha}, {@code lr} and {@code eps}. */
    public static DeltaMemory fromSpec(ModelSpec.Params params, int dimension) {
        int dk = params.integer("dk", Math.max(1, dimension), 1, 65_536);
        int dv = params.integer("dv", 1, 1, 65_536);
        double alpha = params.positive("alpha", 1.0);
        double lr = params.positive("lr", 0.5);
        double eps = params.positive("eps", 1e-6);
        return new DeltaMemory(dimension, dk, dv, alpha, lr, eps);
    }

    @Override
    public String spec() {
        return "delta:dk=" + dk + ",dv=" + dv + ",alpha=" + alpha + ",lr=" + learningRate + ",eps=" + eps;
    }

    /** Number of value channels (rows of S). */
    public int valueChannels() {
        return dv;
    }

    @Override
    public int size() {
        return dv * dk;
    }

    @Override
    public int outputs() {
        return dv;
    }

    /** Scratch layout: {@code [g (dv), retrieved values (dv), projected key (dk, only when dk != d)]}. */
    @Override
    public int scratchSize() {
        return 2 * dv + (projection == null ? 0 : dk);
    }

    @Override
    public boolean observesEvents() {
        return false;
    }

    /** The key of {@code x}: {@code x} itself, or {@code P x} written into {@code scratch} from 2·dv on. */
    private double[] key(double[] x, double[] scratch) {
        if (projection == null) {
            return x;
        }
        int base = 2 * dv;
        for (int i = 0; i < dk; i++) {
            double k = 0.0;
            int row = i * d;
            for (int l = 0; l < d; l++) {
                k += projection[row + l] * x[l];
            }
            scratch[base + i] = k;
        }
        return scratch;
    }

    private int keyOffset() {
        return projection == null ? 0 : 2 * dv;
    }

    /**
     * {@code out[outOffset + j] = S_j k} for every channel j. S is stored key-major ({@code S[i·dv + j]}),
     * so the inner loop runs over contiguous channels: independent accumulators, no dependency chain.
     */
    private void retrieveAll(double[] s, int offset, double[] k, int ko, double[] out, int outOffset) {
        for (int j = 0; j < dv; j++) {
            out[outOffset + j] = 0.0;
        }
        for (int i = 0; i < dk; i++) {
            double ki = k[ko + i];
            int base = offset + i * dv;
            for (int j = 0; j < dv; j++) {
                out[outOffset + j] += s[base + j] * ki;
            }
        }
    }

    /**
     * The value retrieved from channel {@code j} for the key of {@code x}: {@code S_j k}. Never changes
     * {@code s}.
     *
     * @param scratch at least {@link #scratchSize()} doubles
     */
    public double retrieve(double[] s, int offset, int j, double[] x, double[] scratch) {
        double[] k = key(x, scratch);
        int ko = keyOffset();
        double y = 0.0;
        for (int i = 0; i < dk; i++) {
            y += s[offset + i * dv + j] * k[ko + i];
        }
        return y;
    }

    @Override
    public void features(double[] s, int offset, double[] x, long time, boolean absorbed, double[] out, int outOffset,
                         double[] scratch) {
        retrieveAll(s, offset, key(x, scratch), keyOffset(), out, outOffset);
    }

    /**
     * The gated delta update. {@code features} must hold this event's retrieved values {@code S k} (as
     * {@link #features} wrote them); when null they are computed here.
     */
    @Override
    public void learn(double[] s, int offset, double[] x, long time, double label, double[] features,
                      int featuresOffset, double[] scratch) {
        double[] k = key(x, scratch);
        int ko = keyOffset();
        if (features == null) {
            retrieveAll(s, offset, k, ko, scratch, dv);
            features = scratch;
            featuresOffset = dv;
        }
        double norm = 0.0;
        for (int i = 0; i < dk; i++) {
            norm += k[ko + i] * k[ko + i];
        }
        double beta = learningRate / (eps + norm);
        for (int j = 0; j < dv; j++) {
            scratch[j] = beta * (label - features[featuresOffset + j]);
        }
        for (int i = 0; i < dk; i++) {
            double ki = k[ko + i];
            int base = offset + i * dv;
            for (int j = 0; j < dv; j++) {
                s[base + j] = gates[j] * s[base + j] + scratch[j] * ki;
            }
        }
    }

    @Override
    public Map<String, double[]> inspect(double[] s, int offset) {
        Map<String, double[]> m = new LinkedHashMap<>();
        double[] rows = new double[dv * dk];          // row-major for people: S_0, then S_1, ...
        for (int j = 0; j < dv; j++) {
            for (int i = 0; i < dk; i++) {
                rows[j * dk + i] = s[offset + i * dv + j];
            }
        }
        m.put("fastWeights", rows);
        m.put("gates", gates.clone());
        return m;
    }
}
