package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Prior;

/** Starting a Kalman-family state from a population {@link Prior}: shared by the filters. */
final class Priors {

    /**
     * Floor added to the prior covariance's diagonal, as a fraction of the learner's default prior
     * variance: a population whose keys agree exactly must still let a new key learn its own weights.
     */
    static final double FLOOR = 0.01;

    private Priors() {
    }

    /**
     * Sets the packed covariance at {@code cOff} to {@code factor * prior.covariance() + floor I}, its
     * diagonal capped at {@code cap} by the same congruence as the windup cap; leaves the default when
     * the prior has no covariance or the result would not be finite.
     */
    static void covariance(double[] v, int cOff, int p, Prior prior, double factor, double floor, double cap) {
        double[] cov = prior.covariance();
        if (cov == null || cov.length != Packed.size(p) || !(factor > 0 && factor < Double.POSITIVE_INFINITY)) {
            return;
        }
        for (double c : cov) {
            if (!Double.isFinite(c * factor)) {
                return;
            }
        }
        for (int k = 0; k < cov.length; k++) {
            v[cOff + k] = cov[k] * factor;
        }
        Packed.addDiagonal(v, cOff, p, floor);
        Packed.capDiagonal(v, cOff, p, cap, new double[p], 0);
    }

    /** Whether the prior's mean fits a p-vector and is finite. */
    static boolean usableMean(Prior prior, int p) {
        double[] m = prior.mean();
        if (m == null || m.length != p) {
            return false;
        }
        for (double x : m) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
