package io.streamlearn.learn.sgd;

/**
 * Per-thread work space of an {@link SgdLearner} (two arrays of d doubles and a flag, allocated on a
 * thread's first event): keeps the learner immutable and shareable. The arrays are separate from the
 * state because C2 (JDK 17) does not vectorize a loop that stores into one region of an array while it
 * loads from another region of the same array (it cannot prove that the regions do not overlap): the
 * loops write here, and {@link System#arraycopy} (itself vectorized) copies back.
 */
final class Scratch {

    /** New sums, to be copied into the state (adagrad's G, the normalized step's Ĝ). */
    final double[] q;
    /** The normalized step's direction x̃_i/√Ĝ_i. */
    final double[] u;
    /** Set by the normalized step's score when a feature may need a new scale. */
    boolean rescale;

    Scratch(int d) {
        q = new double[d];
        u = new double[d];
    }
}
