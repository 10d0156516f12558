package io.streamlearn.learn;

/**
 * One online learner: the per-key recurrent loop
 * <pre>
 *   prediction_t = predict(S_{t-1}, x_t)
 *   S_t          = learn(S_{t-1}, x_t, y_t)      (when the label y_t is known)
 * </pre>
 * A {@code Learner} is immutable configuration (hyperparameters, dimension), shared by every key and
 * every thread. Everything that changes per key lives in a {@link ModelState}, a flat primitive array
 * whose layout the learner owns. {@code predict} and {@code learn} allocate nothing.
 *
 * <pre>{@code
 * Learner learner = Learners.create("sgd:lr=0.05", 3);
 * ModelState state = learner.newState();
 * Prediction out = new Prediction();
 * double[] x = {1.0, 2.0, 3.0};
 * learner.predict(state, x, 0L, out);          // out.mean(), out.stddev()
 * learner.learn(state, x, 0L, 14.0);           // updates state in place, state.updates() == 1
 * }</pre>
 *
 * <p>Contract, checked for every learner by {@code LearnerContractTest}: deterministic; the state has a
 * fixed size for a given learner; a non-finite or absurdly large input ({@link Inputs#check}) throws
 * {@link InvalidInputException} and leaves the state unchanged; predictions stay finite.
 */
public interface Learner {

    /** The canonical model SPEC of this learner, e.g. {@code sgd:loss=squared,step=adagrad,lr=0.05}. */
    String spec();

    /** Number of input features (the length of every {@code x}). */
    int dimension();

    /** A fresh state for a key never seen before. */
    ModelState newState();

    /**
     * Scores {@code x} with the state as it is; never changes the state.
     *
     * @param state the key's state, not null
     * @param x     dense features, length {@link #dimension()}, missing features already imputed
     * @param time  event time in epoch milliseconds (used by time-aware memories)
     * @param out   receives the prediction mean and, where the model has one, its standard deviation
     * @throws InvalidInputException if {@code x} holds a non-finite or absurdly large value
     */
    void predict(ModelState state, double[] x, long time, Prediction out);

    /**
     * Learns from one labelled event, in place, and counts one update on the state
     * ({@link ModelState#recordUpdate(long)}).
     *
     * @throws InvalidInputException if {@code x} or {@code label} is non-finite or absurdly large; the
     *                               state is then unchanged
     */
    void learn(ModelState state, double[] x, long time, double label);

    /**
     * Sees an event, labelled or not, after it has been predicted. Recurrent memories that summarise
     * the features advance here; most learners do nothing.
     */
    default void observe(ModelState state, double[] x, long time) {
    }

    /**
     * Whether {@link #observe} may change the state, so that an unlabelled event's state must be
     * stored too. False for plain learners, true for recurrent memories.
     */
    default boolean observesEvents() {
        return false;
    }

    /** Whether {@link Prediction#stddev()} is meaningful for this learner. */
    default boolean hasUncertainty() {
        return false;
    }

    /**
     * Named views of a state for people and the HTTP endpoint, e.g. {@code weights}, {@code intercept},
     * {@code covarianceDiagonal}. Allocates; never on the hot path. The default shows the raw values.
     */
    default java.util.Map<String, double[]> inspect(ModelState state) {
        return java.util.Map.of("values", state.values().clone());
    }

    /**
     * The version of this learner's state layout, written beside the values by the state codec (format
     * 3 on). A learner whose layout changes gives the new layout a new number and reads the earlier
     * ones in {@link #migrate}. Composite learners report their readout's layout. Default 0.
     */
    default int layout() {
        return 0;
    }

    /**
     * The layout of values stored without a layout version (state formats 1 and 2, written before
     * layouts were versioned), recognised by their count, or -1 if {@code length} is none of this
     * learner's layouts of that time. The codec calls this for those old formats only. The default: the
     * current layout, whose length the codec then checks.
     */
    default int unversionedLayout(int length) {
        return layout();
    }

    /**
     * Reads values stored in an earlier layout {@code layout} of this learner (same SPEC and dimension)
     * into the current layout. Codecs call this only when the stored layout is not {@link #layout()}.
     * Composite learners delegate the slice of their inner learner. The default knows no earlier layout.
     *
     * <pre>{@code
     * ModelState s = learner.newState();
     * if (!learner.migrate(layout, stored, 0, stored.length, s.values(), 0)) { ... unknown layout ... }
     * }</pre>
     *
     * @param layout the stored layout's version (from the bytes, or {@link #unversionedLayout})
     * @param stored the stored values, not modified
     * @param from   where this learner's values start in {@code stored}
     * @param length how many values this learner stored
     * @param into   a fresh state's values in the current layout (as {@link #newState()} sets them)
     * @param at     where this learner's values start in {@code into}
     * @return whether {@code layout} with {@code length} values is an earlier layout of this learner,
     *         {@code into} then filled
     */
    default boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        return false;
    }

    /**
     * How the values of a state in layout {@code layout} are stored ({@link Storage}), or null for a
     * layout this learner cannot describe. A learner that declares {@link Storage#FLOAT} or
     * {@link Storage#COUNT} values keeps them so after every change it makes to a state, so the compact
     * bytes decode to exactly the state it holds. Implementations return a cached instance for the
     * current layout. The default: every value a double, for the current layout only.
     */
    default Storage storage(int layout) {
        return layout == layout() ? Storage.doubles(newState().values().length) : null;
    }

    /** {@link #storage(int)} of the current layout. */
    default Storage storage() {
        return storage(layout());
    }

    /**
     * A 64-bit fingerprint of {@link #spec()} and {@link #dimension()}, stored with the state bytes so
     * that state written by a different model is never read as this one's.
     */
    default long fingerprint() {
        return Fingerprint.of(spec(), dimension());
    }

    /**
     * The learner that the same SPEC built in an earlier release, when a changed default makes this
     * one another model (another {@link #spec() canonical SPEC}, so another {@link #fingerprint()}),
     * or null (the default) when it built this very learner. Codecs read a state stored under the
     * predecessor's fingerprint with the predecessor, in any of its layouts, then hand it to
     * {@link #adopt}, so a key keeps what it learned across the upgrade instead of starting over.
     * Wrappers have one when what they wrap has. A predecessor may have its own.
     *
     * <pre>{@code
     * Learner now = Learners.create("auto", 8);        // the current default candidates
     * Learner before = now.predecessor();              // those of the earlier release
     * }</pre>
     */
    default Learner predecessor() {
        return null;
    }

    /**
     * Takes over a state of another learner {@code earlier} (its {@link #predecessor()}, or a part of
     * it): {@code old[from ..]} holds the earlier learner's values in its current layout;
     * {@code into[at ..]} holds a fresh state's values in this learner's current layout (as
     * {@link #newState()} sets them) and receives the model carried over. Called once per key, on the
     * first read after an upgrade; may allocate. The default adopts nothing.
     *
     * @return whether this learner knows how to carry {@code earlier}'s state over ({@code into} is
     *         then filled; otherwise it may be partly written)
     */
    default boolean adopt(Learner earlier, double[] old, int from, double[] into, int at) {
        return false;
    }
}
