package io.streamlearn.streams.score;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.conformal.Conformal;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Storage;
import io.streamlearn.learn.Prior;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.ResidentModelStore;
import io.streamlearn.state.StateCodec;
import io.streamlearn.state.StateFormatException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The one scoring step, shared by the live topology and by backtests, so that both compute the same
 * predictions bit for bit. For one event of one key and each model:
 * <ol>
 *   <li>map the named features to the model's dense vector (missing = 0) and validate them;</li>
 *   <li>load the key's state bytes from the {@link ModelStore} and decode them (a fresh state for a new
 *       key, or when the stored state belongs to another spec; with the population prior on, a new key
 *       starts from its task's population, see {@link PopulationPriors});</li>
 *   <li>predict and hand the prediction, stamped with the model's update count, to the {@link Sink}; a
 *       model with a standard deviation runs as {@link Learners#model}, so the prediction carries its
 *       key's calibrated 80% and 95% intervals ({@link Conformal});</li>
 *   <li>if the label is known, learn; a calibrated model's levels move by the error of the interval it
 *       published (for a label that arrives after its event, of the interval it would publish now); a
 *       learned state that is not finite is discarded and counted;</li>
 *   <li>encode and store the state; at the key's contribution points ({@link PriorSettings#contributesAt})
 *       replace its contribution to the task's population.</li>
 * </ol>
 * Not thread-safe: each stream task (or backtest) owns one step. After construction the per-event
 * path allocates only the state bytes it hands to the store.
 *
 * <p>A backtest passes a {@link ResidentModelStore} instead ({@link #residentStore}): the same steps
 * then run on each key's states kept decoded in memory, learned in place, with no decode or encode
 * per event. That gives the same predictions because a learner's state in memory is exactly what its
 * bytes decode to ({@link Storage}); the live topology keeps storing bytes every event.
 *
 * <pre>{@code
 * ScoringStep step = new ScoringStep(FeatureSpace.ordered(List.of("a", "b")), List.of("sgd:lr=0.1"));
 * ModelStore store = new InMemoryModelStore();
 * step.score("device-1", 1000L, Map.of("a", 1.0, "b", 2.0), 5.0, store,
 *         (model, champion, version, mean, stddev) -> System.out.println(model + " " + mean));
 * }</pre>
 */
public final class ScoringStep {

    /** Receives each model's prediction for the event being scored. */
    @FunctionalInterface
    public interface Sink {
        /**
         * @param model    the model's name (its spec as given)
         * @param champion whether this is the first model, whose prediction goes to {@code predictions}
         * @param version  the key's update count for this model when it scored
         * @param mean     the prediction
         * @param stddev   the predictive standard deviation, or NaN
         */
        void accept(String model, boolean champion, long version, double mean, double stddev);

        /**
         * The prediction whole, with its calibrated intervals where the model has them
         * ({@link Prediction#hasIntervals()}); valid during the call only. The default passes its mean
         * and standard deviation to {@link #accept(String, boolean, long, double, double)}.
         */
        default void accept(String model, boolean champion, long version, Prediction prediction) {
            accept(model, champion, version, prediction.mean(), prediction.stddev());
        }
    }

    /** Receives each model's read-only prediction (see {@link #predict}). */
    @FunctionalInterface
    public interface Reading {
        /**
         * As {@link Sink#accept(String, boolean, long, double, double)}, and:
         *
         * @param stddev the predictive standard deviation, or NaN when the learner has none
         * @param fresh  whether the key had no readable state for this model, so a new state predicted
         */
        void accept(String model, boolean champion, long version, double mean, double stddev, boolean fresh);

        /**
         * The prediction whole, with the calibrated intervals where the model has them; valid during the
         * call only. The default passes its mean and standard deviation to the method above.
         */
        default void accept(String model, boolean champion, long version, Prediction prediction, boolean fresh) {
            accept(model, champion, version, prediction.mean(), prediction.stddev(), fresh);
        }
    }

    /** One model run by the step, with its reusable buffers. */
    public static final class Model {
        private final String name;
        private final Learner learner;
        private final ModelState initial;
        private final ModelState state;
        private final ModelState backup;
        private final Prediction prediction = new Prediction();
        private final long fingerprint;
        /** The model's population prior, or null when its new keys start from the learner's default. */
        private final PopulationPriors priors;
        private final int layout;
        /** The learner when its intervals are calibrated (learns from the published prediction), else null. */
        private final Conformal calibrated;
        private final Storage storage;

        Model(String name, Learner learner, boolean population) {
            this.name = name;
            this.learner = learner;
            this.calibrated = learner instanceof Conformal c ? c : null;
            this.fingerprint = learner.fingerprint();
            this.priors = population && learner instanceof PriorAware pa && pa.contributionLength() > 0
                    ? new PopulationPriors(pa, fingerprint) : null;
            this.layout = learner.layout();
            this.storage = learner.storage(layout);
            this.initial = learner.newState();
            this.state = learner.newState();
            this.backup = learner.newState();
        }

        public String name() {
            return name;
        }

        public Learner learner() {
            return learner;
        }

        /** The model's population prior, or null when it has none (off, or a learner without one). */
        public PopulationPriors priors() {
            return priors;
        }
    }

    /** Counters the step keeps; callers turn them into metrics. */
    public static final class Counters {
        long freshStates;
        long replacedStates;
        long discardedUpdates;
        long priorStarts;

        /** Adds {@code other}'s counts to these (the steps of a backtest's parallel partitions). */
        public void add(Counters other) {
            freshStates += other.freshStates;
            replacedStates += other.replacedStates;
            discardedUpdates += other.discardedUpdates;
            priorStarts += other.priorStarts;
        }

        /** New keys that started from their task's population prior. */
        public long priorStarts() {
            return priorStarts;
        }

        /** Keys seen for the first time, per model. */
        public long freshStates() {
            return freshStates;
        }

        /** Stored states dropped because they belonged to another spec or could not be read. */
        public long replacedStates() {
            return replacedStates;
        }

        /** Updates that produced a non-finite state and were undone. */
        public long discardedUpdates() {
            return discardedUpdates;
        }
    }

    private final FeatureSpace space;
    private final List<Model> models;
    private final double[] x;
    private final Counters counters = new Counters();
    private final PriorSettings prior;

    /** As {@link #ScoringStep(FeatureSpace, List, PriorSettings)} with {@link PriorSettings#DEFAULT}. */
    public ScoringStep(FeatureSpace space, List<String> specs) {
        this(space, specs, PriorSettings.DEFAULT);
    }

    /**
     * @param space feature mapping, shared by every model
     * @param specs model SPECs; the first is the champion. Each name must be unique.
     * @param prior how new keys start (a SPEC's {@code coldstart=} overrides the mode)
     */
    public ScoringStep(FeatureSpace space, List<String> specs, PriorSettings prior) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("at least one model is needed");
        }
        this.space = space;
        List<Model> m = new ArrayList<>();
        for (String spec : specs) {
            for (Model other : m) {
                if (other.name.equals(spec)) {
                    throw new IllegalArgumentException("model '" + spec + "' listed twice");
                }
            }
            m.add(new Model(spec, Learners.model(spec, space.dimension()), population(spec, prior)));
        }
        this.models = Collections.unmodifiableList(m);
        this.x = new double[space.dimension()];
        this.prior = prior;
    }

    /** Whether the model of {@code spec} starts new keys from the population: its coldstart= or the setting. */
    static boolean population(String spec, PriorSettings settings) {
        String word = ModelSpec.parse(spec).readout().params().get(Learners.COLD_START);
        return word == null || word.equalsIgnoreCase("default") ? settings.population() : PriorSettings.parseMode(word);
    }

    /** How many models of this step start new keys from the population (their keys contribute to it). */
    public int populationModels() {
        int n = 0;
        for (Model m : models) {
            if (m.priors != null) {
                n++;
            }
        }
        return n;
    }

    public PriorSettings priorSettings() {
        return prior;
    }

    public FeatureSpace featureSpace() {
        return space;
    }

    public List<Model> models() {
        return models;
    }

    public Counters counters() {
        return counters;
    }

    /**
     * Scores one event with every model and, if {@code label} is finite, learns from it.
     *
     * @param label the event's label, or NaN when it has none
     * @return how many feature names the feature space did not know (ignored)
     * @throws io.streamlearn.learn.InvalidInputException for a non-finite or absurd feature or label;
     *                                                    nothing was scored or stored
     */
    public int score(String key, long time, Map<String, Double> features, double label, ModelStore store, Sink sink) {
        int unknown = space.map(features, x);
        Inputs.check(x, x.length);
        boolean labelled = !Double.isNaN(label);
        if (labelled) {
            Inputs.checkLabel(label);
        }
        ModelState[] slots = slots(store, key, true);
        for (int i = 0; i < models.size(); i++) {
            Model m = models.get(i);
            boolean keep = labelled || m.learner.observesEvents();
            ModelState s = slots == null ? loaded(m, key, store) : resident(m, slots, i, keep, store);
            m.learner.predict(s, x, time, m.prediction);
            sink.accept(m.name, i == 0, s.updates(), m.prediction);
            m.learner.observe(s, x, time);
            boolean learned = labelled && learnLoaded(m, s, time, label);
            if (!labelled) {
                s.recordTime(time);
            }
            if (keep && slots == null) {
                store.put(key, m.name, encode(m, s));
            }
            if (learned) {
                contribute(m, s, key, store);
            }
        }
        return unknown;
    }

    /**
     * Predicts for {@code features} with every model's current state of {@code key}, read-only: nothing
     * is learned, observed or written to {@code store}. A model without a readable state predicts with a
     * fresh one. This is what {@code POST /score} answers; for the same state, features and time it gives
     * the prediction {@link #score} would publish.
     *
     * @param time event time to predict at, or null for each state's latest event time (0 when none)
     * @return how many feature names the feature space did not know (ignored)
     * @throws io.streamlearn.learn.InvalidInputException for a non-finite or absurd feature
     */
    public int predict(String key, Long time, Map<String, Double> features, ModelStore store, Reading out) {
        int unknown = space.map(features, x);
        Inputs.check(x, x.length);
        ModelState[] slots = slots(store, key, false);
        for (int i = 0; i < models.size(); i++) {
            Model m = models.get(i);
            boolean fresh = slots == null ? !load(m, key, store) : !copyResident(m, slots[i], store);
            long last = m.state.lastEventTime();
            long at = time != null ? time : last == ModelState.NO_TIME ? 0L : last;
            m.learner.predict(m.state, x, at, m.prediction);
            if (!m.learner.hasUncertainty()) {
                m.prediction.set(m.prediction.mean());
            }
            out.accept(m.name, i == 0, m.state.updates(), m.prediction, fresh);
        }
        return unknown;
    }

    /**
     * Learns from a label that arrived after its event, given the features the event carried.
     *
     * @throws io.streamlearn.learn.InvalidInputException for a non-finite or absurd feature or label
     */
    public void learn(String key, long time, Map<String, Double> features, double label, ModelStore store) {
        learn(key, time, features, label, store, null);
    }

    /**
     * As {@link #learn(String, long, Map, double, ModelStore)}, first handing each model's prediction of
     * the event, with the state as loaded (before this label is learned), to {@code beforeLearning}: a
     * prequential error for labels that arrive after their event.
     *
     * @param beforeLearning receives the predictions, or null to predict nothing
     */
    public void learn(String key, long time, Map<String, Double> features, double label, ModelStore store,
                      Sink beforeLearning) {
        space.map(features, x);
        Inputs.check(x, x.length, label);
        ModelState[] slots = slots(store, key, true);
        for (int i = 0; i < models.size(); i++) {
            Model m = models.get(i);
            ModelState s = slots == null ? loaded(m, key, store) : resident(m, slots, i, true, store);
            if (beforeLearning != null || m.calibrated != null) {
                m.learner.predict(s, x, time, m.prediction);
            }
            if (beforeLearning != null) {
                beforeLearning.accept(m.name, i == 0, s.updates(), m.prediction);
            }
            boolean learned = learnLoaded(m, s, time, label);
            if (slots == null) {
                store.put(key, m.name, encode(m, s));
            }
            if (learned) {
                contribute(m, s, key, store);
            }
        }
    }

    /** The state's bytes, with the fingerprint computed once per model rather than per event. */
    private static byte[] encode(Model m, ModelState state) {
        return StateCodec.encode(m.fingerprint, m.layout, m.storage, state);
    }

    /** The bytes of {@code state}, a state of the model at {@code index} (a {@link ResidentModelStore.Encoder}). */
    public byte[] encode(int index, ModelState state) {
        return encode(models.get(index), state);
    }

    /**
     * A store for a backtest that keeps this step's states resident (see {@link ResidentModelStore}); a
     * step with the same models can use it.
     *
     * @param maxResidentKeys keys kept resident at most, later keys are kept as bytes
     */
    public ResidentModelStore residentStore(long maxResidentKeys) {
        List<String> names = new ArrayList<>();
        for (Model m : models) {
            names.add(m.name);
        }
        return new ResidentModelStore(names, this::encode, maxResidentKeys);
    }

    /** How many doubles each model's state holds, in order (for {@link ResidentModelStore#residentBytesPerKey}). */
    public int[] stateSizes() {
        int[] sizes = new int[models.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = models.get(i).initial.values().length;
        }
        return sizes;
    }

    /**
     * The key's resident states when {@code store} keeps them ({@link ResidentModelStore#slots}), else null:
     * the states are bytes in {@code store}.
     */
    private ModelState[] slots(ModelStore store, String key, boolean create) {
        if (!(store instanceof ResidentModelStore r)) {
            return null;
        }
        if (r.models() != models.size()) {
            throw new IllegalArgumentException("the store keeps " + r.models() + " models, the step runs " + models.size());
        }
        return r.slots(key, create);
    }

    /**
     * The resident state of model {@code i} to score with: in place when the step will keep it
     * ({@code keep}), else a copy in the model's buffer, so that what the step would not store in a byte
     * store is not kept either. A key's first state is fresh ({@link #fresh}), allocated once when kept.
     */
    private ModelState resident(Model m, ModelState[] slots, int i, boolean keep, ModelStore store) {
        ModelState s = slots[i];
        if (s == null) {
            s = keep ? m.learner.newState() : m.state;
            fresh(m, s, store);
            counters.freshStates++;
            if (keep) {
                slots[i] = s;
            }
            return s;
        }
        if (!keep) {
            m.state.copyFrom(s);
            return m.state;
        }
        return s;
    }

    /** Copies a resident state (or a fresh one when null) into the model's buffer; false when fresh. */
    private boolean copyResident(Model m, ModelState resident, ModelStore store) {
        if (resident == null) {
            fresh(m, m.state, store);
            counters.freshStates++;
            return false;
        }
        m.state.copyFrom(resident);
        return true;
    }

    /** Loads the key's state bytes into the model's buffer ({@link #load}) and returns that buffer. */
    private ModelState loaded(Model m, String key, ModelStore store) {
        load(m, key, store);
        return m.state;
    }

    /** Learns in place; false when the update was not finite and was undone. */
    private boolean learnLoaded(Model m, ModelState state, long time, double label) {
        m.backup.copyFrom(state);
        if (m.calibrated != null) {
            m.calibrated.learn(state, x, time, label, m.prediction);
        } else {
            m.learner.learn(state, x, time, label);
        }
        if (!state.isFinite()) {
            state.copyFrom(m.backup);
            counters.discardedUpdates++;
            return false;
        }
        return true;
    }

    /** At the key's contribution points, replaces its contribution to the task's population. */
    private void contribute(Model m, ModelState state, String key, ModelStore store) {
        if (m.priors != null && prior.contributesAt(state.updates())) {
            m.priors.contribute(store, key, m.name, state);
        }
    }

    /**
     * A fresh state for {@code key}: the learner's default, or with the population prior on, the
     * task's population prior once enough keys contribute (before that, with at least one, what the
     * learner can use of it: {@link PriorAware#startEarly}). Never on the hot path of a known key.
     */
    private void fresh(Model m, ModelState into, ModelStore store) {
        into.copyFrom(m.initial);
        if (m.priors != null) {
            Prior p = m.priors.prior(store, m.name, 1);
            if (p != null && p.keys() >= prior.minKeys()) {
                ((PriorAware) m.learner).startFrom(into, p);
                counters.priorStarts++;
            } else if (p != null) {
                ((PriorAware) m.learner).startEarly(into, p);
            }
        }
    }

    /** Loads the key's state of {@code m}; false when a fresh state was loaded instead. */
    private boolean load(Model m, String key, ModelStore store) {
        byte[] bytes = store.get(key, m.name);
        if (bytes == null) {
            fresh(m, m.state, store);
            counters.freshStates++;
            return false;
        }
        try {
            StateCodec.decodeInto(m.learner, m.fingerprint, m.storage, bytes, m.state);
            return true;
        } catch (StateFormatException e) {
            fresh(m, m.state, store);
            counters.replacedStates++;
            return false;
        }
    }
}
