package io.streamlearn.learn.registry;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;

/** Builds a learner of one family from its SPEC parameters. */
@FunctionalInterface
public interface LearnerFactory {
    /**
     * @param params    the stage's parameters; the factory must read every one it supports and then
     *                  call {@link ModelSpec.Params#requireAllRead()}
     * @param dimension number of input features
     */
    Learner create(ModelSpec.Params params, int dimension);
}
