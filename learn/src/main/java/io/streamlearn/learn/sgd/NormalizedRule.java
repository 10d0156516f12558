package io.streamlearn.learn.sgd;

import static io.streamlearn.learn.sgd.Bounds.clamp;
import static io.streamlearn.learn.sgd.Bounds.unit;
import static io.streamlearn.learn.sgd.SgdLearner.MAX_WEIGHT;

/**
 * The normalized adaptive importance-invariant step (Vowpal Wabbit's default; see the
 * {@link SgdLearner} class Javadoc for the method and its two changes to VW), kept in normalized units:
 * the weight slot holds ŵ_i = w_i·s_i, slot A Ĝ_i = G_i/s_i², slot B 1/s_i. The score uses
 * x̃_i = clamp(x_i/s_i, -1, 1), so a feature beyond its largest magnitude so far counts as that
 * magnitude: exactly the score after VW's rescale w_i *= s_old/s_new, which in these units is the
 * identity. Pass 1 updates scales and sums and accumulates ppu = Σ ρ_i x̃_i²/√Ĝ_i (ρ_i = 1, or
 * intercept_lr/lr for the intercept) and Σ x̃_i²; pass 2 moves ŵ_i by c·ρ_i·x̃_i/√Ĝ_i with
 * c = Δp/ppu, so that the score moves by exactly Δp. Static, allocation-free (the per-thread scratch
 * is the learner's).
 */
final class NormalizedRule {

    /** Added under square roots so that a never-active coordinate (sum 0, x̃ 0) contributes 0, not NaN. */
    private static final double TINY = Double.MIN_NORMAL;

    private NormalizedRule() {
    }

    /** b + Σ ŵ_i·x̃_i over the weights at {@code offset}, with four partial sums. */
    static double score(double[] s, int offset, double[] x, int d, int is) {
        double y0 = 0;
        double y1 = 0;
        double y2 = 0;
        double y3 = 0;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            y0 += s[offset + i] * unit(x[i] * s[is + i]);
            y1 += s[offset + i + 1] * unit(x[i + 1] * s[is + i + 1]);
            y2 += s[offset + i + 2] * unit(x[i + 2] * s[is + i + 2]);
            y3 += s[offset + i + 3] * unit(x[i + 3] * s[is + i + 3]);
        }
        for (; i < d; i++) {
            y0 += s[offset + i] * unit(x[i] * s[is + i]);
        }
        return s[offset + d] + ((y0 + y1) + (y2 + y3));
    }

    /**
     * {@link #score} at offset 0 for {@link #apply}, which also tells, in {@code w.rescale}, whether a
     * coordinate may need a new scale: |x_i|/s_i &gt; 1, or 1/s_i = 0 (unseen, whatever x_i). The test
     * rides on the loads of the score instead of a loop of its own, without a branch; {@link #apply}
     * runs the exact rescale loop only when it is set.
     */
    static double learnScore(double[] s, double[] x, int d, int is, Scratch w) {
        double y0 = 0;
        double y1 = 0;
        double y2 = 0;
        double y3 = 0;
        boolean rescale = false;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            double v0 = x[i] * s[is + i];
            double v1 = x[i + 1] * s[is + i + 1];
            double v2 = x[i + 2] * s[is + i + 2];
            double v3 = x[i + 3] * s[is + i + 3];
            y0 += s[i] * unit(v0);
            y1 += s[i + 1] * unit(v1);
            y2 += s[i + 2] * unit(v2);
            y3 += s[i + 3] * unit(v3);
            rescale |= outside(v0, s[is + i]) | outside(v1, s[is + i + 1]) | outside(v2, s[is + i + 2])
                    | outside(v3, s[is + i + 3]);
        }
        for (; i < d; i++) {
            double v = x[i] * s[is + i];
            y0 += s[i] * unit(v);
            rescale |= outside(v, s[is + i]);
        }
        w.rescale = rescale;
        return s[d] + ((y0 + y1) + (y2 + y3));
    }

    /** |v| &gt; 1 or an unseen feature (1/s = 0): non-short-circuit, so no branch. */
    private static boolean outside(double v, double inv) {
        return Math.abs(v) > 1 | inv == 0;
    }

    /**
     * One step, after {@link #learnScore} for this state and x.
     */
    static void apply(double[] s, double[] x, SgdSpec c, SgdLayout l, double score, double label, double dl,
                      Scratch w) {
        int d = c.d;
        double cap = c.gradientCap();
        double g = clamp(dl, cap);
        double gsq = g * g;
        if (gsq == 0) {
            return;
        }
        int gh = l.slotA;
        int is = l.slotB;
        if (w.rescale) {
            // new scales (rare): in normalized units the weight needs no rescale, Ĝ_i = G_i/s_i² does
            for (int i = 0; i < d; i++) {
                double ax = Math.abs(x[i]);
                double inv = s[is + i];
                if (ax * inv > 1 || (inv == 0 && ax >= SgdLearner.MIN_NORMALIZED_FEATURE)) {
                    if (inv > 0) {
                        double rescale = 1.0 / (ax * inv);
                        s[gh + i] *= rescale * rescale;
                    }
                    s[is + i] = 1.0 / ax;
                }
            }
        }
        // pass 1, one loop, branch-free (x̃ = 0 leaves a coordinate unchanged): the new sums Ĝ_i into
        // q (copied into the state after the loop, see Scratch), the direction of the step
        // u_i = x̃_i/√Ĝ_i, and the two sums norm = Σ x̃_i², ppu = Σ x̃_i u_i in coordinate order (their
        // order fixes the bits): two independent chains of additions beside the square roots and
        // divisions.
        double[] q = w.q;
        double[] u = w.u;
        double norm = 0;
        double ppu = 0;
        for (int i = 0; i < d; i++) {
            double xt = x[i] * s[is + i];
            double xt2 = xt * xt;
            norm += xt2;
            double sum = s[gh + i] + gsq * xt2;
            q[i] = sum;
            double ui = xt / Math.sqrt(sum + TINY);
            u[i] = ui;
            ppu += xt * ui;
        }
        System.arraycopy(q, 0, s, gh, d);
        double lr = c.lr;
        double rho = lr > 0 ? c.interceptLr / lr : 0.0;
        boolean intercept = c.fitIntercept && rho > 0;
        double interceptRoot = 0;
        if (intercept) {
            s[is + d] = 1.0;
            double sum = s[gh + d] + gsq;
            s[gh + d] = sum;
            norm += 1;
            interceptRoot = Math.sqrt(sum);
            ppu += rho / interceptRoot;
        }
        if (norm == 0 || !(ppu > 0)) {
            return;
        }
        double total = s[l.scalarT] + 1;
        double normSum = s[l.scalarN] + norm;
        s[l.scalarT] = total;
        s[l.scalarN] = normSum;
        double multiplier = Math.sqrt(total / normSum);
        double a = lr * multiplier * ppu;
        if (c.labelScale) {
            double labelSquares = s[l.scalarY] + label * label;
            s[l.scalarY] = labelSquares;
            a *= Math.sqrt(labelSquares / total);
        }
        double change = c.loss.invariantScoreChange(score, label, a);
        if (c.clip > 0) {
            change = clamp(change, a * c.clip);
        }
        if (change == 0 || !Double.isFinite(change)) {
            return;
        }
        double step = change / ppu;
        if (c.l1 > 0 || c.l2 > 0) {
            penalisedUpdate(s, x, c, l, step, lr * multiplier);
        } else {
            // pass 2: ŵ_i += c·x̃_i/√Ĝ_i
            for (int i = 0; i < d; i++) {
                s[i] = Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, s[i] + step * u[i]));
            }
        }
        if (intercept) {
            s[d] = clamp(s[d] + step * rho / interceptRoot, MAX_WEIGHT);
        }
    }

    /** Pass 2 with the raw-unit proximal step of size η_i = etaBase/(√Ĝ_i s_i²), written for ŵ = w·s. */
    private static void penalisedUpdate(double[] s, double[] x, SgdSpec c, SgdLayout l, double step, double etaBase) {
        int d = c.d;
        int gh = l.slotA;
        int is = l.slotB;
        double l1 = c.l1;
        double l2 = c.l2;
        for (int i = 0; i < d; i++) {
            double inv = s[is + i];
            double xt = x[i] * inv;
            if (xt == 0) {
                continue;
            }
            double invRoot = 1.0 / Math.sqrt(s[gh + i] + TINY);
            double w = s[i] + step * xt * invRoot;
            double eta = etaBase * invRoot;
            if (l1 > 0) {
                double t = eta * inv * l1;
                w = w > t ? w - t : (w < -t ? w + t : 0.0);
            }
            if (l2 > 0) {
                w /= 1 + eta * inv * inv * l2;
            }
            s[i] = clamp(w, MAX_WEIGHT);
        }
    }
}
