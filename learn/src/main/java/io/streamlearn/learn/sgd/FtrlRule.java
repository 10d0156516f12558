package io.streamlearn.learn.sgd;

import static io.streamlearn.learn.sgd.Bounds.clamp;
import static io.streamlearn.learn.sgd.SgdLearner.MAX_WEIGHT;
import static io.streamlearn.learn.sgd.SgdLearner.MAX_Z;

/**
 * FTRL-Proximal (McMahan et al., "Ad click prediction: a view from the trenches", KDD 2013,
 * algorithm 1) per coordinate with {@code x_i ≠ 0}: {@code σ_i = (√(n_i + g_i²) − √n_i)/α;
 * z_i += g_i − σ_i w_i; n_i += g_i²; w_i = 0 if |z_i| ≤ l1 else −(z_i − sgn(z_i)·l1)/((β + √n_i)/α + l2)}.
 * z in slot A, n in slot B; the weights are derived and cached. Static, allocation-free.
 */
final class FtrlRule {

    private FtrlRule() {
    }

    static void apply(double[] s, double[] x, SgdSpec c, SgdLayout l, double dl) {
        int d = c.d;
        double cap = c.gradientCap();
        for (int i = 0; i < d; i++) {
            double xi = x[i];
            if (xi != 0) {
                coordinate(s, l, i, clamp(dl * xi, cap), c.lr, c.l1, c.l2, c.ftrlBeta);
            }
        }
        if (c.fitIntercept) {
            coordinate(s, l, d, clamp(dl, cap), c.interceptLr, 0.0, 0.0, c.ftrlBeta);
        }
    }

    /** The z that gives weight {@code w} with n already divided (inflate keeps the predictions). */
    static double z(double w, double n, double alpha, double beta, double lambda1, double lambda2) {
        double denominator = (beta + Math.sqrt(n)) / alpha + lambda2;
        return clamp(-w * denominator - Math.signum(w) * lambda1, MAX_Z);
    }

    private static void coordinate(double[] s, SgdLayout l, int i, double g, double alpha, double lambda1,
                                   double lambda2, double beta) {
        if (alpha == 0) {
            return;
        }
        int zi = l.slotA + i;
        int ni = l.slotB + i;
        double n = s[ni];
        double nNew = n + g * g;
        double rootNew = Math.sqrt(nNew);
        double sigma = (rootNew - Math.sqrt(n)) / alpha;
        double z = clamp(s[zi] + g - sigma * s[i], MAX_Z);
        s[zi] = z;
        s[ni] = nNew;
        s[i] = weight(z, rootNew, alpha, lambda1, lambda2, beta);
    }

    private static double weight(double z, double rootN, double alpha, double lambda1, double lambda2, double beta) {
        if (Math.abs(z) <= lambda1) {
            return 0.0;
        }
        double denominator = (beta + rootN) / alpha + lambda2;
        double w = -(z - Math.signum(z) * lambda1) / denominator;
        return clamp(w, MAX_WEIGHT);
    }
}
