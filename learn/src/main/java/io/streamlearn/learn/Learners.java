package io.streamlearn.learn;

import io.streamlearn.learn.registry.LearnerFactory;

import java.util.Map;
import java.util.Set;

/**
 * The old address of the learner registry, kept so that code written against it still compiles: every
 * method forwards to {@link io.streamlearn.learn.registry.Learners}, which sits above the learner
 * families (this package holds the contract they all implement, and must not point down at them).
 *
 * @deprecated use {@link io.streamlearn.learn.registry.Learners}
 */
@Deprecated
public final class Learners {

    private Learners() {
    }

    /** @see io.streamlearn.learn.registry.Learners#create(String, int) */
    public static Learner create(String spec, int dimension) {
        return io.streamlearn.learn.registry.Learners.create(spec, dimension);
    }

    /** @see io.streamlearn.learn.registry.Learners#create(ModelSpec, int) */
    public static Learner create(ModelSpec spec, int dimension) {
        return io.streamlearn.learn.registry.Learners.create(spec, dimension);
    }

    /** @see io.streamlearn.learn.registry.Learners#readouts() */
    public static Map<String, LearnerFactory> readouts() {
        return io.streamlearn.learn.registry.Learners.readouts();
    }

    /** @see io.streamlearn.learn.registry.Learners#names() */
    public static Set<String> names() {
        return io.streamlearn.learn.registry.Learners.names();
    }
}
