package io.streamlearn.streams.http;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.score.PopulationPriors;
import io.streamlearn.state.StateCodec;
import io.streamlearn.state.StateFormatException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads models out of one local byte store keyed by {@link ModelStore#storeKey}: the decoding, listing
 * and side-effect-free scoring behind {@link KafkaStreamsModelQueries}, apart from Kafka Streams so that
 * it can be tested on any {@link ReadOnlyKeyValueStore}. Thread-safe: learners and the feature space are
 * immutable, and each call decodes into its own states. Allocates per call; never on the event path.
 *
 * <pre>{@code
 * StoreModelReader reader = new StoreModelReader(FeatureSpace.ordered(List.of("a", "b")), List.of("sgd:lr=0.1"));
 * List<ModelQueries.ModelView> views = reader.models(store, "device-1");
 * }</pre>
 */
public final class StoreModelReader {

    private static final StringSerializer KEYS = new StringSerializer();

    private final FeatureSpace space;
    private final Map<String, Learner> learners = new LinkedHashMap<>();
    private final String champion;

    /**
     * @param space the feature space the scoring step uses
     * @param specs the configured model SPECs, champion first (the model names of the store)
     */
    public StoreModelReader(FeatureSpace space, List<String> specs) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("at least one model is needed");
        }
        this.space = space;
        for (String spec : specs) {
            if (learners.put(spec, Learners.create(spec, space.dimension())) != null) {
                throw new IllegalArgumentException("model '" + spec + "' listed twice");
            }
        }
        this.champion = specs.get(0);
    }

    /** The stored models of {@code entityKey}, configured models first in configured order. */
    public List<ModelQueries.ModelView> models(ReadOnlyKeyValueStore<String, byte[]> store, String entityKey) {
        Map<String, byte[]> found = new LinkedHashMap<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(entityKey + '\u0000', KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (!PopulationPriors.reserved(kv.key)) {
                    found.put(ModelStore.modelName(kv.key), kv.value);
                }
            }
        }
        List<ModelQueries.ModelView> views = new ArrayList<>();
        for (Map.Entry<String, Learner> e : learners.entrySet()) {
            byte[] bytes = found.remove(e.getKey());
            if (bytes != null) {
                views.add(view(e.getKey(), e.getValue(), bytes));
            }
        }
        for (Map.Entry<String, byte[]> e : found.entrySet()) {
            Long version = null;
            try {
                version = StateCodec.updates(e.getValue());
            } catch (StateFormatException ignored) {
                // reported below
            }
            views.add(new ModelQueries.ModelView(e.getKey(), false, null, version == null ? -1 : version, null,
                    Map.of(), "model is stored but not run by this application"));
        }
        return views;
    }

    private ModelQueries.ModelView view(String name, Learner learner, byte[] bytes) {
        ModelState state = learner.newState();
        try {
            StateCodec.decodeInto(learner, bytes, state);
        } catch (StateFormatException e) {
            return new ModelQueries.ModelView(name, name.equals(champion), learner.spec(), -1, null, Map.of(), e.getMessage());
        }
        Long time = state.lastEventTime() == ModelState.NO_TIME ? null : state.lastEventTime();
        return new ModelQueries.ModelView(name, name.equals(champion), learner.spec(), state.updates(), time,
                learner.inspect(state), null);
    }

    /** The population priors stored in one task's {@code store} (see {@link PopulationPriors}). */
    public static List<ModelQueries.PriorView> priors(ReadOnlyKeyValueStore<String, byte[]> store, int partition) {
        List<ModelQueries.PriorView> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(PopulationPriors.POPULATION, KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                io.streamlearn.learn.prior.Population pop = PopulationPriors.decode(kv.value);
                if (pop == null) {
                    continue;
                }
                io.streamlearn.learn.prior.Prior p = pop.prior();
                double[] diag = null;
                if (p.covariance() != null) {
                    int l = p.mean().length;
                    diag = new double[l];
                    for (int i = 0, k = 0; i < l; k += l - i, i++) {
                        diag[i] = p.covariance()[k];
                    }
                }
                out.add(new ModelQueries.PriorView(partition, kv.key.substring(PopulationPriors.POPULATION.length()), p.keys(),
                        p.mean(), diag, p.noiseVariance()));
            }
        }
        return out;
    }

    /** Up to {@code limit} distinct entity keys starting with {@code prefix}, in store order. */
    public ModelQueries.KeyPage keys(ReadOnlyKeyValueStore<String, byte[]> store, String prefix, int limit) {
        List<String> keys = new ArrayList<>();
        boolean truncated = false;
        // An empty prefix means every key; Kafka's caching layer fails on prefixScan("") (it cannot
        // compute the upper bound of an empty prefix), so scan everything instead.
        try (KeyValueIterator<String, byte[]> it = prefix.isEmpty() ? store.all() : store.prefixScan(prefix, KEYS)) {
            String last = null;
            while (it.hasNext()) {
                String storeKey = it.next().key;
                if (PopulationPriors.reserved(storeKey)) {
                    continue; // a task's population prior or a key's contribution to it
                }
                String key = ModelStore.entityKey(storeKey);
                if (key.equals(last)) {
                    continue; // the models of one key are adjacent: U+0000 sorts before any other character
                }
                if (keys.size() == limit) {
                    truncated = true;
                    break;
                }
                keys.add(key);
                last = key;
            }
        }
        return new ModelQueries.KeyPage(keys, truncated);
    }

    /**
     * Scores without learning; a key with no readable state for a model scores with a fresh state.
     *
     * @param time event time to score at, or null for the state's latest event time (0 when none)
     */
    public ModelQueries.ScoreResult score(ReadOnlyKeyValueStore<String, byte[]> store, String entityKey,
                                          Map<String, Double> features, Long time) {
        double[] x = new double[space.dimension()];
        int unknown = space.map(features, x);
        Inputs.check(x, x.length);
        List<ModelQueries.Score> scores = new ArrayList<>();
        Prediction out = new Prediction();
        for (Map.Entry<String, Learner> e : learners.entrySet()) {
            Learner learner = e.getValue();
            ModelState state = learner.newState();
            byte[] bytes = store.get(ModelStore.storeKey(entityKey, e.getKey()));
            boolean fresh = bytes == null;
            if (!fresh) {
                try {
                    StateCodec.decodeInto(learner, bytes, state);
                } catch (StateFormatException ex) {
                    state = learner.newState();
                    fresh = true;
                }
            }
            long at = time != null ? time : state.lastEventTime() == ModelState.NO_TIME ? 0L : state.lastEventTime();
            learner.predict(state, x, at, out);
            double stddev = learner.hasUncertainty() ? out.stddev() : Double.NaN;
            scores.add(new ModelQueries.Score(e.getKey(), e.getKey().equals(champion), state.updates(), out.mean(), stddev, fresh));
        }
        return new ModelQueries.ScoreResult(scores, unknown);
    }
}
