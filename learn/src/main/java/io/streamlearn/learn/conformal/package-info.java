/**
 * Calibrated intervals: {@link io.streamlearn.learn.conformal.Conformal} wraps any learner with a
 * predictive standard deviation and adds per-key central 80% and 95% intervals kept at their nominal
 * coverage by adaptive conformal inference (Gibbs and Candès 2021). The runtime wraps every such model
 * through {@code registry.Learners.model}.
 */
package io.streamlearn.learn.conformal;
