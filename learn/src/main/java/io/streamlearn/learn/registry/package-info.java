/**
 * The learner registry: {@link io.streamlearn.learn.registry.Learners#create(String, int)} turns a model
 * SPEC into a {@link io.streamlearn.learn.Learner}, composing memories, the drift guard and a readout. It
 * sits above the families (the only package that knows them all); the families know only the contract
 * in {@code io.streamlearn.learn}.
 *
 * <pre>{@code
 * Learner l = Learners.create("lags:p=24+drift:detector=ph+sgd", 8);
 * }</pre>
 */
package io.streamlearn.learn.registry;
