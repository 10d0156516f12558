package io.streamlearn.learn;

/**
 * A learner whose new keys can start from what its other keys have learned (empirical Bayes, as in a
 * hierarchical linear model): each key's state contributes a vector ({@link #contribute}), a
 * {@link Population} keeps the running mean and covariance of the keys' current contributions, and a
 * fresh state starts from the resulting {@link Prior} ({@link #startFrom}) instead of
 * {@link Learner#newState()}'s default. Implemented by {@code sgd} (the mean weights) and the Kalman
 * family (the mean and, where the learner has one, the covariance: between-key spread plus the keys'
 * mean posterior covariance, the law of total variance). Neither method is on the per-event path.
 *
 * <pre>{@code
 * PriorAware pa = (PriorAware) learner;
 * Population pop = Population.of(pa);
 * double[] w = new double[pa.contributionLength()];
 * double[] within = pa.contributesCovariance() ? new double[Population.packedSize(w.length)] : null;
 * double noise = pa.contribute(state, w, within);   // for each key that learned
 * pop.add(w, within, noise);
 * ModelState fresh = learner.newState();
 * pa.startFrom(fresh, pop.prior());                  // a new key
 * }</pre>
 */
public interface PriorAware {

    /** Length L of the vector a state contributes (for linear models the weights, intercept last). */
    int contributionLength();

    /**
     * Whether {@link #contribute} also reports a posterior covariance and {@link #startFrom} uses the
     * prior's covariance (the Kalman family); false when only the mean is used (sgd).
     */
    default boolean contributesCovariance() {
        return false;
    }

    /**
     * Writes what {@code state} contributes to its population: the vector into {@code vector[0, L)},
     * and, when {@link #contributesCovariance()}, the state's posterior covariance of that vector in
     * label units, packed upper triangle row by row, into {@code within}. Does not change the state.
     *
     * @param within receives the covariance ({@link Population#packedSize}(L) doubles), or null
     * @return the state's observation-noise variance estimate in label units, or NaN when it has none
     */
    double contribute(ModelState state, double[] vector, double[] within);

    /**
     * Sets a fresh state (as {@link Learner#newState()} made it, no update yet) to start from
     * {@code prior}: the mean becomes the prior mean; with {@link #contributesCovariance()} the
     * covariance becomes the prior covariance (plus a floor, within the learner's windup cap).
     * Recurrent memories, counters and optimizer slots keep their defaults.
     */
    void startFrom(ModelState state, Prior prior);

    /**
     * Sets a fresh state to start from what a learner can use of a prior that fewer keys contribute
     * than the weights need ({@code streamlearn.prior.min-keys}): for the standardized Kalman family,
     * the population's feature scales. Does nothing by default.
     */
    default void startEarly(ModelState state, Prior prior) {
    }
}
