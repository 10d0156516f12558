package io.streamlearn.learn.memory;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;

import java.util.Map;

/**
 * The gated delta-rule memory ({@link DeltaMemory}) used on its own as the readout: an online linear
 * regressor whose prediction is the retrieved value {@code S_0 k_t} of the first value channel, and whose
 * update is the gated delta rule. With {@code alpha=1} it is normalised LMS,
 * {@code w ← w + lr (y − w·k) k / (eps + ‖k‖²)}. No intercept: add a constant feature if one is needed.
 *
 * <p>SPEC: {@code delta[:dk=d][,alpha=1][,lr=0.5][,eps=1e-6]} as the last stage ({@code dv} is 1).
 * State layout: the weights {@code S_0} ({@code dk} doubles). Thread-safe: the scratch (a few doubles)
 * is a per-thread buffer.
 *
 * <pre>{@code
 * Learner nlms = Learners.create("delta:lr=0.5", 8);
 * }</pre>
 */
public final class DeltaLearner implements Learner {

    private final int d;
    private final DeltaMemory memory;
    private final ThreadLocal<double[]> scratch;

    public DeltaLearner(int dimension, DeltaMemory memory) {
        if (memory.valueChannels() != 1) {
            throw new IllegalArgumentException("delta as a readout has one value channel (dv=1)");
        }
        this.d = dimension;
        this.memory = memory;
        int n = memory.scratchSize();
        this.scratch = ThreadLocal.withInitial(() -> new double[n]);
    }

    /** Factory for {@code Learners}: reads {@code dk}, {@code alpha}, {@code lr}, {@code eps} ({@code dv} must be 1). */
    public static Learner fromSpec(ModelSpec.Params params, int dimension) {
        return new DeltaLearner(dimension, DeltaMemory.fromSpec(params, dimension));
    }

    @Override
    public String spec() {
        return memory.spec();
    }

    @Override
    public int dimension() {
        return d;
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(memory.size());
        memory.reset(s.values(), 0);
        return s;
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        out.set(memory.retrieve(state.values(), 0, 0, x, scratchFor()));
    }

    private double[] scratchFor() {
        return scratch.get();
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        memory.learn(state.values(), 0, x, time, label, null, 0, scratchFor());
        state.recordUpdate(time);
    }

    @Override
    public Map<String, double[]> inspect(ModelState state) {
        return Map.of("weights", state.values().clone());
    }
}
