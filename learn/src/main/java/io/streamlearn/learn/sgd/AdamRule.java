package io.streamlearn.learn.sgd;

import static io.streamlearn.learn.sgd.Bounds.clamp;
import static io.streamlearn.learn.sgd.SgdLearner.MAX_WEIGHT;

/**
 * Adam (Kingma and Ba 2015, algorithm 1): {@code m_i = β₁m_i + (1−β₁)g_i; v_i = β₂v_i + (1−β₂)g_i²;
 * w_i -= lr·m̂_i/(√v̂_i + eps)} with {@code m̂ = m/(1−β₁^t)}, {@code v̂ = v/(1−β₂^t)}; m in slot A, v in
 * slot B, t a scalar. Static, allocation-free.
 */
final class AdamRule {

    private AdamRule() {
    }

    static void apply(double[] s, double[] x, SgdSpec c, SgdLayout l, double dl) {
        int d = c.d;
        double cap = c.gradientCap();
        double beta1 = c.beta1;
        double beta2 = c.beta2;
        double t = s[l.scalarT] + 1;
        s[l.scalarT] = t;
        double c1 = 1.0 / (1 - Math.pow(beta1, t));
        double c2 = 1.0 / (1 - Math.pow(beta2, t));
        int m = l.slotA;
        int v = l.slotB;
        for (int i = 0; i < d; i++) {
            double g = clamp(dl * x[i], cap);
            double mi = beta1 * s[m + i] + (1 - beta1) * g;
            double vi = beta2 * s[v + i] + (1 - beta2) * g * g;
            s[m + i] = mi;
            s[v + i] = vi;
            double eta = c.lr / (Math.sqrt(vi * c2) + c.eps);
            s[i] = Bounds.prox(s[i] - eta * mi * c1, eta, c.l1, c.l2);
        }
        if (c.fitIntercept) {
            double g = clamp(dl, cap);
            double mi = beta1 * s[m + d] + (1 - beta1) * g;
            double vi = beta2 * s[v + d] + (1 - beta2) * g * g;
            s[m + d] = mi;
            s[v + d] = vi;
            s[d] = clamp(s[d] - c.interceptLr * mi * c1 / (Math.sqrt(vi * c2) + c.eps), MAX_WEIGHT);
        }
    }
}
