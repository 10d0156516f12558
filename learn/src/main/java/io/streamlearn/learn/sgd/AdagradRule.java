package io.streamlearn.learn.sgd;

import static io.streamlearn.learn.sgd.Bounds.clamp;
import static io.streamlearn.learn.sgd.SgdLearner.MAX_WEIGHT;

/**
 * AdaGrad (Duchi, Hazan and Singer 2011): {@code G_i += g_i²; w_i -= lr·g_i/(√G_i + eps)}, G in slot A.
 * Static, allocation-free (the per-thread scratch is the learner's).
 */
final class AdagradRule {

    private AdagradRule() {
    }

    static void apply(double[] s, double[] x, SgdSpec c, SgdLayout l, double dl, Scratch scratch) {
        int d = c.d;
        double cap = c.gradientCap();
        int a = l.slotA;
        double eps = c.eps;
        if (c.l1 > 0 || c.l2 > 0) {
            for (int i = 0; i < d; i++) {
                double g = clamp(dl * x[i], cap);
                double sum = s[a + i] + g * g;
                s[a + i] = sum;
                double eta = c.lr / (Math.sqrt(sum) + eps);
                s[i] = Bounds.prox(s[i] - eta * g, eta, c.l1, c.l2);
            }
        } else {
            // split so that the JIT vectorizes (see NormalizedRule)
            double[] q = scratch.q;
            for (int i = 0; i < d; i++) {
                double g = Math.max(-cap, Math.min(cap, dl * x[i]));
                q[i] = s[a + i] + g * g;
            }
            System.arraycopy(q, 0, s, a, d);
            double rate = c.lr;
            for (int i = 0; i < d; i++) {
                double g = Math.max(-cap, Math.min(cap, dl * x[i]));
                double w = s[i] - rate * g / (Math.sqrt(q[i]) + eps);
                s[i] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, w));
            }
        }
        if (c.fitIntercept) {
            double g = clamp(dl, cap);
            double sum = s[a + d] + g * g;
            s[a + d] = sum;
            s[d] = clamp(s[d] - c.interceptLr * g / (Math.sqrt(sum) + eps), MAX_WEIGHT);
        }
    }
}
