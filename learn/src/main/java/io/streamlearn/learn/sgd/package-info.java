/**
 * Online linear models trained by gradient steps: the {@code sgd} learner family. Entry point:
 * {@code Learners.create("sgd:...", d)}, or {@link io.streamlearn.learn.sgd.SgdLearner#builder(int)};
 * the losses are {@link io.streamlearn.learn.sgd.Loss}, the step rules {@link io.streamlearn.learn.sgd.Step}.
 *
 * <pre>{@code
 * Learner l = Learners.create("sgd:loss=logistic", 8);     // VW-style normalized steps, probabilities out
 * }</pre>
 */
package io.streamlearn.learn.sgd;
