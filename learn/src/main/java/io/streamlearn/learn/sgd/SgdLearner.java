package io.streamlearn.learn.sgd;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;

/**
 * Online linear regression, squared loss, with an intercept and AdaGrad steps (Duchi, Hazan and Singer,
 * 2011): for each coordinate i, {@code G_i += g_i^2; w_i -= lr * g_i / (sqrt(G_i) + eps)} with
 * {@code g = (w·x + b - y) x}.
 *
 * <p>SPEC: {@code sgd[:lr=0.1]}. State layout: {@code [w_0..w_{d-1}, b, G_0..G_{d-1}, G_b]}, so
 * {@code 2(d+1)} doubles.
 *
 * <pre>{@code
 * Learner l = Learners.create("sgd:lr=0.1", 2);
 * }</pre>
 */
public final class SgdLearner implements Learner {

    static final double EPS = 1e-8;

    private final int d;
    private final double learningRate;
    private final String spec;

    public SgdLearner(int dimension, double learningRate) {
        this.d = dimension;
        this.learningRate = learningRate;
        this.spec = "sgd:lr=" + learningRate;
    }

    /** Factory for {@code Learners}: reads {@code lr}. */
    public static Learner fromSpec(ModelSpec.Params p, int dimension) {
        return new SgdLearner(dimension, p.positive("lr", 0.1));
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public int dimension() {
        return d;
    }

    @Override
    public ModelState newState() {
        return new ModelState(2 * (d + 1));
    }

    private double dot(double[] s, double[] x) {
        double y = s[d];
        for (int i = 0; i < d; i++) {
            y += s[i] * x[i];
        }
        return y;
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        out.set(dot(state.values(), x));
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] s = state.values();
        double err = dot(s, x) - label;
        int g0 = d + 1;
        for (int i = 0; i < d; i++) {
            double g = err * x[i];
            s[g0 + i] += g * g;
            s[i] -= learningRate * g / (Math.sqrt(s[g0 + i]) + EPS);
        }
        s[g0 + d] += err * err;
        s[d] -= learningRate * err / (Math.sqrt(s[g0 + d]) + EPS);
        state.recordUpdate(time);
    }
}
