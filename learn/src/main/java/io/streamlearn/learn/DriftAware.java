package io.streamlearn.learn;

/**
 * A learner that can react to a detected change of regime by widening its uncertainty instead of
 * forgetting everything: a Kalman or RLS learner multiplies its covariance, an SGD learner may reset
 * its step-size accumulators. Used by the drift-guard stage ({@code drift:...+readout}).
 */
public interface DriftAware {
    /**
     * Widens the state's uncertainty by {@code factor} (&gt; 1), in place, allocation-free.
     */
    void inflate(ModelState state, double factor);
}
