package io.streamlearn.learn.sgd;

/**
 * The caps that keep an {@link SgdLearner}'s state finite, and the elastic-net proximal step the dense
 * step rules share. Static, allocation-free.
 */
final class Bounds {

    private Bounds() {
    }

    static double clamp(double v, double cap) {
        return v > cap ? cap : (v < -cap ? -cap : v);
    }

    /** Clamps to [-1, 1]; plain comparisons, cheaper here than Math.min/max and their NaN rules. */
    static double unit(double v) {
        return v > 1 ? 1 : (v < -1 ? -1 : v);
    }

    /** Elastic-net proximal step of size eta, then the weight cap. */
    static double prox(double w, double eta, double l1, double l2) {
        if (l1 > 0) {
            double t = eta * l1;
            w = w > t ? w - t : (w < -t ? w + t : 0.0);
        }
        if (l2 > 0) {
            w /= 1 + eta * l2;
        }
        return clamp(w, SgdLearner.MAX_WEIGHT);
    }
}
