package io.streamlearn.learn.baseline;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;

/**
 * Baseline: predicts the running mean of the key's labels so far (0 before the first label), ignoring
 * the features. The mean is updated incrementally, {@code mean += (y - mean) / n}, which is exact
 * for the first label and stable afterwards. Every backtest runs it so other models' skill
 * {@code 1 - MSE / MSE_mean} can be read off.
 *
 * <p>SPEC: {@code mean} (no parameters). State layout: {@code [n, mean]}, 2 doubles.
 *
 * <pre>{@code
 * Learner mean = Learners.create("mean", 3);
 * }</pre>
 */
public final class MeanLearner implements Learner {

    private final int d;

    public MeanLearner(int dimension) {
        this.d = dimension;
    }

    /** Factory for {@code Learners}; takes no parameters. */
    public static Learner fromSpec(ModelSpec.Params p, int dimension) {
        return new MeanLearner(dimension);
    }

    @Override
    public String spec() {
        return "mean";
    }

    @Override
    public int dimension() {
        return d;
    }

    @Override
    public ModelState newState() {
        return new ModelState(2);
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        out.set(state.values()[1]);
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] s = state.values();
        s[0] += 1.0;
        s[1] += (label - s[1]) / s[0];
        state.recordUpdate(time);
    }
}
