package io.streamlearn.learn.drift;

import java.util.Map;

/**
 * A change detector over a stream of numbers (here: a readout's prequential errors) with a fixed-size
 * state kept in a slice {@code [offset, offset + size())} of a flat array, like a memory's. Immutable
 * configuration shared by every key; {@link #add} allocates nothing.
 */
public interface DriftDetector {

    /** The detector's SPEC parameters, e.g. {@code detector=ph,delta=0.005,lambda=50,alpha=1,min=30}. */
    String spec();

    /** Number of doubles of state. */
    int size();

    /** Writes a fresh state. */
    void reset(double[] s, int offset);

    /**
     * Adds one value; returns whether a change was detected with it. What happens to the detector's own
     * state on detection is the detector's business (Page-Hinkley restarts, ADWIN drops the old window).
     */
    boolean add(double[] s, int offset, double value);

    /** Named views of the state; allocates. */
    Map<String, double[]> inspect(double[] s, int offset);
}
