package io.streamlearn.learn;

import java.util.Arrays;

/**
 * The mutable per-key state of a {@link Learner}: a flat array of doubles whose layout the learner
 * owns (weights, optimizer slots, a packed covariance, recurrent memory), plus two counters every
 * learner shares. Not thread-safe: one key's state is used by one thread at a time.
 *
 * <p>Memory cost: {@code 8 * values().length} bytes plus a small header.
 */
public final class ModelState {

    /** {@link #lastEventTime()} of a state that has seen no event. */
    public static final long NO_TIME = Long.MIN_VALUE;

    private final double[] values;
    private long updates;
    private long lastEventTime = NO_TIME;

    public ModelState(int size) {
        this.values = new double[size];
    }

    /** The learner-defined array, mutated in place by {@link Learner#learn}. */
    public double[] values() {
        return values;
    }

    /** How many labelled events this state has learned from: the model version. */
    public long updates() {
        return updates;
    }

    /** Event time of the latest event seen, or {@link #NO_TIME}. */
    public long lastEventTime() {
        return lastEventTime;
    }

    /** Counts one learned event; called by learners at the end of a successful {@code learn}. */
    public void recordUpdate(long time) {
        updates++;
        recordTime(time);
    }

    /** Advances the last event time (never backwards). */
    public void recordTime(long time) {
        if (time > lastEventTime) {
            lastEventTime = time;
        }
    }

    /** Restores counters; for codecs. */
    public void setCounters(long updates, long lastEventTime) {
        this.updates = updates;
        this.lastEventTime = lastEventTime;
    }

    /** Copies everything from {@code other}, which must have the same size. Allocates nothing. */
    public void copyFrom(ModelState other) {
        if (other.values.length != values.length) {
            throw new IllegalArgumentException("state sizes differ: " + other.values.length + " != " + values.length);
        }
        System.arraycopy(other.values, 0, values, 0, values.length);
        updates = other.updates;
        lastEventTime = other.lastEventTime;
    }

    /** A deep copy. */
    public ModelState copy() {
        ModelState c = new ModelState(values.length);
        c.copyFrom(this);
        return c;
    }

    /** Whether every value is finite. */
    public boolean isFinite() {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ModelState)) {
            return false;
        }
        ModelState s = (ModelState) o;
        return updates == s.updates && lastEventTime == s.lastEventTime && Arrays.equals(values, s.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values) * 31 + Long.hashCode(updates);
    }

    @Override
    public String toString() {
        return "ModelState{updates=" + updates + ", lastEventTime=" + lastEventTime + ", size=" + values.length + "}";
    }
}
