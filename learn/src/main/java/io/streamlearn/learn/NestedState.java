package io.streamlearn.learn;

/**
 * Runs an inner learner on a slice of an outer learner's flat state. A {@link ModelState} owns its
 * array, so the slice is copied into a per-thread {@link ModelState} of the inner learner's size
 * ({@link #load}) and, after a mutating call, copied back ({@link #store}). The per-thread state is
 * created once per thread and learner (so learners stay shareable across stream threads) and then reused:
 * the per-event cost is one or two {@code System.arraycopy} of the inner state, with no allocation.
 *
 * <p>Why not scratch slots in the state itself: {@code predict} must not change the state, and scratch
 * in the state would also be encoded and stored with every key.
 */
public final class NestedState {

    private final Learner inner;
    private final int offset;
    private final int size;
    private final ThreadLocal<ModelState> local;

    /**
     * @param inner  the learner whose state lives in the slice
     * @param offset where the slice starts in the outer array
     */
    public NestedState(Learner inner, int offset) {
        this.inner = inner;
        this.offset = offset;
        this.size = inner.newState().values().length;
        this.local = ThreadLocal.withInitial(inner::newState);
    }

    public int offset() {
        return offset;
    }

    /** Length of the slice: the inner learner's state size. */
    public int size() {
        return size;
    }

    /**
     * This thread's inner state, filled from {@code outer}'s slice, with counters
     * {@code (updates, outer.lastEventTime())}. Valid until the next {@code load} on this thread.
     */
    public ModelState load(ModelState outer, long updates) {
        ModelState s = local.get();
        System.arraycopy(outer.values(), offset, s.values(), 0, size);
        s.setCounters(updates, outer.lastEventTime());
        return s;
    }

    /** Copies {@code inner}'s values back into {@code outer}'s slice. */
    public void store(ModelState inner, ModelState outer) {
        System.arraycopy(inner.values(), 0, outer.values(), offset, size);
    }

    /** Writes a fresh inner state into {@code outer}'s slice. */
    public void reset(double[] fresh, ModelState outer) {
        System.arraycopy(fresh, 0, outer.values(), offset, size);
    }

    // ---- population prior (issue #14) of a wrapper whose readout lives in this slice ----

    /** The inner learner's contribution length, or 0 when it takes no part in population priors. */
    public int contributionLength() {
        return inner instanceof PriorAware pa ? pa.contributionLength() : 0;
    }

    /** Whether the inner learner contributes a covariance. */
    public boolean contributesCovariance() {
        return inner instanceof PriorAware pa && pa.contributesCovariance();
    }

    /** The inner learner's contribution, read from {@code outer}'s slice; see {@link PriorAware#contribute}. */
    public double contribute(ModelState outer, double[] vector, double[] within) {
        return ((PriorAware) inner).contribute(load(outer, outer.updates()), vector, within);
    }

    /** Starts the inner learner's slice of {@code outer} from {@code prior} (nothing when it is not prior-aware). */
    public void startFrom(ModelState outer, Prior prior) {
        if (inner instanceof PriorAware pa) {
            ModelState s = load(outer, 0);
            pa.startFrom(s, prior);
            store(s, outer);
        }
    }

    /** {@link PriorAware#startEarly} on the inner learner's slice of {@code outer}. */
    public void startEarly(ModelState outer, Prior prior) {
        if (inner instanceof PriorAware pa) {
            ModelState s = load(outer, 0);
            pa.startEarly(s, prior);
            store(s, outer);
        }
    }
}
