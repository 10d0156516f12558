package io.streamlearn.learn.baseline;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;

/**
 * Baseline: predicts the key's most recent label (0 before the first), ignoring the features: the
 * persistence or "naive" forecast. Every backtest runs it; a model that cannot beat it on a
 * smooth series has learned nothing useful.
 *
 * <p>SPEC: {@code last} (no parameters). State layout: {@code [last label]}, 1 double.
 *
 * <pre>{@code
 * Learner last = Learners.create("last", 3);
 * }</pre>
 */
public final class LastLearner implements Learner {

    private final int d;

    public LastLearner(int dimension) {
        this.d = dimension;
    }

    /** Factory for {@code Learners}; takes no parameters. */
    public static Learner fromSpec(ModelSpec.Params p, int dimension) {
        return new LastLearner(dimension);
    }

    @Override
    public String spec() {
        return "last";
    }

    @Override
    public int dimension() {
        return d;
    }

    @Override
    public ModelState newState() {
        return new ModelState(1);
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        out.set(state.values()[0]);
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        state.values()[0] = label;
        state.recordUpdate(time);
    }
}
