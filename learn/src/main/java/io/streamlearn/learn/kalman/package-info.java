/**
 * Second-order learners: the self-tuning Kalman bank ({@link io.streamlearn.learn.kalman.KalmanBank},
 * the default {@code kalman}), the single random-walk Kalman filter
 * ({@link io.streamlearn.learn.kalman.KalmanLearner}, {@code kalman:q=..,r=..}) and recursive least
 * squares ({@link io.streamlearn.learn.kalman.RlsLearner}, {@code rls}), and the extended-Kalman
 * logistic regression ({@link io.streamlearn.learn.kalman.KalmanLogistic}, {@code kalman:loss=logistic}).
 * Entry point:
 * {@link io.streamlearn.learn.kalman.KalmanLearners}, reached through
 * {@code Learners.create("kalman", d)}. Covariances are packed upper triangles in the state array
 * ({@code Packed}); the learn-time scratch vector {@code u = R z} is a per-thread array (one per
 * thread and learner), never stored, so learners stay immutable, shareable across threads, and
 * allocation-free per event. States stored by builds that kept the scratch in the state are converted
 * on read ({@link io.streamlearn.learn.Learner#migrate}).
 *
 * <pre>{@code
 * Learner bank = Learners.create("kalman", 8);                          // self-tuning default
 * Learner kf = Learners.create("kalman:q=1e-4,r=auto,p0=1", 8);         // one textbook filter
 * Learner rls = Learners.create("rls:lambda=0.99,p0=100", 8);
 * }</pre>
 */
package io.streamlearn.learn.kalman;
