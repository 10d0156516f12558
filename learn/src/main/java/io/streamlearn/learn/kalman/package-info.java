/**
 * Second-order learners: the self-tuning Kalman bank ({@link io.streamlearn.learn.kalman.KalmanBank},
 * the default {@code kalman}), the single random-walk Kalman filter
 * ({@link io.streamlearn.learn.kalman.KalmanLearner}, {@code kalman:q=..,r=..}) and recursive least
 * squares ({@link io.streamlearn.learn.kalman.RlsLearner}, {@code rls}). Entry point:
 * {@link io.streamlearn.learn.kalman.KalmanLearners}, reached through
 * {@code Learners.create("kalman", d)}. Covariances are packed upper triangles in the state array.
 */
package io.streamlearn.learn.kalman;
