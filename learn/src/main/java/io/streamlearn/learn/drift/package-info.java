/**
 * Change detection on a readout's prequential error, with fixed-size state: Page-Hinkley
 * ({@link io.streamlearn.learn.drift.PageHinkley}, 4 doubles) and ADWIN
 * ({@link io.streamlearn.learn.drift.Adwin}, a bounded exponential histogram). Entry point: the guard
 * stage {@link io.streamlearn.learn.drift.DriftGuard}, written just before the readout in a SPEC:
 * <pre>{@code
 * Learner guarded = Learners.create("drift:detector=adwin,action=reset+sgd", 4);
 * Learner both = Learners.create("lags:p=24+drift:detector=ph,lambda=20,action=inflate+kalman", 4);
 * }</pre>
 * On a detection the key's readout state is reset, or widened through
 * {@link io.streamlearn.learn.DriftAware#inflate}; detections are counted in the state and shown by
 * {@code inspect} as {@code drift.detections}.
 */
package io.streamlearn.learn.drift;
