package io.streamlearn.learn.sgd;

import static io.streamlearn.learn.sgd.Bounds.clamp;
import static io.streamlearn.learn.sgd.SgdLearner.MAX_WEIGHT;

/**
 * The constant and invscaling steps: {@code w_i -= η·g_i}, with {@code η = lr} (constant) or
 * {@code lr/t^power_t} (invscaling, scikit-learn's {@code SGDRegressor} schedule), then the
 * elastic-net proximal step when {@code l1} or {@code l2} is set. Static, allocation-free.
 */
final class PlainRule {

    private PlainRule() {
    }

    static void constant(double[] s, double[] x, SgdSpec c, double dl) {
        apply(s, x, c, dl, c.lr, c.interceptLr);
    }

    static void invscaling(double[] s, double[] x, SgdSpec c, SgdLayout l, double dl) {
        double t = s[l.scalarT] + 1;
        s[l.scalarT] = t;
        double decay = Math.pow(t, -c.powerT);
        apply(s, x, c, dl, c.lr * decay, c.interceptLr * decay);
    }

    private static void apply(double[] s, double[] x, SgdSpec c, double dl, double eta, double etaIntercept) {
        int d = c.d;
        double cap = c.gradientCap();
        if (c.l1 > 0 || c.l2 > 0) {
            for (int i = 0; i < d; i++) {
                double g = clamp(dl * x[i], cap);
                s[i] = Bounds.prox(s[i] - eta * g, eta, c.l1, c.l2);
            }
        } else {
            for (int i = 0; i < d; i++) {
                double g = Math.max(-cap, Math.min(cap, dl * x[i]));
                s[i] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, s[i] - eta * g));
            }
        }
        if (c.fitIntercept) {
            s[d] = clamp(s[d] - etaIntercept * clamp(dl, cap), MAX_WEIGHT);
        }
    }
}
