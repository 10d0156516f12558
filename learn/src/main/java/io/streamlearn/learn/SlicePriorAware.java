package io.streamlearn.learn;

/**
 * A wrapper whose population prior is the one of the learner in a {@link NestedState} slice of its
 * state (a drift guard's or a composition's readout, a calibrated model): every {@link PriorAware}
 * method acts on that slice, and the rest of the state (memories, detectors, levels) starts as in a
 * fresh state and contributes nothing.
 */
public interface SlicePriorAware extends PriorAware {

    /** The slice whose learner takes part in population priors. */
    NestedState priorSlice();

    /** The slice's contribution length, 0 when its learner takes no part in population priors. */
    @Override
    default int contributionLength() {
        return priorSlice().contributionLength();
    }

    @Override
    default boolean contributesCovariance() {
        return priorSlice().contributesCovariance();
    }

    @Override
    default double contribute(ModelState state, double[] vector, double[] within) {
        return priorSlice().contribute(state, vector, within);
    }

    @Override
    default void startFrom(ModelState state, Prior prior) {
        priorSlice().startFrom(state, prior);
    }

    @Override
    default void startEarly(ModelState state, Prior prior) {
        priorSlice().startEarly(state, prior);
    }
}
