package io.streamlearn.learn.memory;

import java.util.Map;

/**
 * A recurrent memory: a per-key state that is advanced on every event and turned into features for a
 * readout learner. A memory owns a slice {@code [offset, offset + size())} of the composite state's
 * flat array and never touches anything else; it is immutable configuration shared by all keys and
 * threads, so every method is given the array, its offset and (where needed) a scratch array.
 *
 * <p>Two kinds of memory, possibly both at once:
 * <ul>
 *   <li><b>feature-driven</b> ({@link #observesEvents()} true): advanced by {@link #observe} on every
 *       event, labelled or not. Its features for event t <em>include</em> x_t (the features are known
 *       when predicting): {@link #features} with {@code absorbed == false} computes them from S_{t-1}
 *       and x_t without mutating anything, and with {@code absorbed == true} reads them from S_t after
 *       {@code observe}; both give bit-identical values.</li>
 *   <li><b>label-driven</b>: advanced by {@link #learn} once the readout has learned from the event,
 *       so the features of event t come from labels up to t-1, at prediction and at learning alike.</li>
 * </ul>
 * Implementations allocate nothing in {@code features}, {@code observe} and {@code learn}, and keep
 * every slot finite (the scoring step discards non-finite states).
 */
public interface Memory {

    /** Canonical SPEC of this stage, e.g. {@code lags:p=24,split=none}; parses back to an equal memory. */
    String spec();

    /** Number of doubles this memory keeps in the state. */
    int size();

    /** Number of features this memory adds to the readout's input. */
    int outputs();

    /** Length of the scratch array {@link #features} and {@link #learn} need (0 for most memories). */
    default int scratchSize() {
        return 0;
    }

    /** Writes a fresh state into {@code s[offset, offset + size())}. The default is all zeros. */
    default void reset(double[] s, int offset) {
        java.util.Arrays.fill(s, offset, offset + size(), 0.0);
    }

    /** Whether {@link #observe} changes the state. */
    boolean observesEvents();

    /**
     * Writes the {@link #outputs()} features for the event {@code (x, time)} into
     * {@code out[outOffset, outOffset + outputs())}; never changes {@code s}.
     *
     * @param absorbed whether {@link #observe} has already been called with this event (only matters
     *                 for feature-driven memories)
     * @param scratch  at least {@link #scratchSize()} doubles, contents undefined
     */
    void features(double[] s, int offset, double[] x, long time, boolean absorbed, double[] out, int outOffset,
                  double[] scratch);

    /** Advances a feature-driven memory with an event, labelled or not. The default does nothing. */
    default void observe(double[] s, int offset, double[] x, long time) {
    }

    /**
     * Advances a label-driven memory with a labelled event, after the readout has learned from the
     * features {@link #features} gave. The default does nothing.
     *
     * @param features       the array holding the features this memory gave for this event (read-only;
     *                       memories may reuse them, e.g. a retrieved value), or null if not computed
     * @param featuresOffset where they start in {@code features}
     */
    default void learn(double[] s, int offset, double[] x, long time, double label, double[] features,
                       int featuresOffset, double[] scratch) {
    }

    /** Named views of the memory's slice, for people; allocates. */
    Map<String, double[]> inspect(double[] s, int offset);
}
