package io.streamlearn.streams.http;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.score.PopulationPriors;
import io.streamlearn.state.StateCodec;
import io.streamlearn.state.StateFormatException;
import io.streamlearn.streams.score.ModelSets;
import io.streamlearn.streams.score.ScoringStep;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads models out of one local byte store keyed by {@link ModelStore#storeKey}: the listing, decoding
 * and read-only scoring behind {@link KafkaStreamsModelQueries}, apart from Kafka Streams so that it can
 * be tested on any {@link ReadOnlyKeyValueStore}. Which models a key has is what the topology resolves:
 * the {@link ModelSets} of the {@code model-control} store (else the configured models), and scores come
 * from {@link ScoringStep#predict}, the topology's own step, which never writes. Thread-safe: one lock
 * guards the model sets and their steps. Allocates per call; never on the event path.
 *
 * <pre>{@code
 * StoreModelReader reader = new StoreModelReader(FeatureSpace.ordered(List.of("a", "b")), List.of("sgd:lr=0.1"));
 * List<ModelQueries.ModelView> views = reader.models(store, "device-1");
 * }</pre>
 */
public final class StoreModelReader {

    private static final StringSerializer KEYS = new StringSerializer();

    private final Supplier<ModelSets> sets;

    /**
     * A reader of the configured models only (no {@code model-control} store).
     *
     * @param space the feature space the scoring step uses
     * @param specs the configured model SPECs, champion first (the model names of the store)
     */
    public StoreModelReader(FeatureSpace space, List<String> specs) {
        ModelSets configured = new ModelSets(space, specs, null);
        configured.step("");   // fails now on an empty or duplicate list, as the topology would
        this.sets = () -> configured;
    }

    /**
     * A reader of the model sets {@code sets} supplies: each call asks again, so a supplier may wait for
     * the control store to become queryable; the instance it returns is used under this reader's lock.
     */
    public StoreModelReader(Supplier<ModelSets> sets) {
        this.sets = sets;
    }

    /**
     * The stored models of {@code entityKey}: the models that run for the key first, champion first,
     * then any other stored model ("stored but not run" for this key).
     */
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
        List<ScoringStep.Model> running;
        synchronized (this) {
            running = sets.get().step(entityKey).models();
        }
        for (int i = 0; i < running.size(); i++) {
            ScoringStep.Model m = running.get(i);
            byte[] bytes = found.remove(m.name());
            if (bytes != null) {
                views.add(view(m.name(), i == 0, m.learner(), bytes));
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

    private static ModelQueries.ModelView view(String name, boolean champion, Learner learner, byte[] bytes) {
        ModelState state = learner.newState();
        try {
            StateCodec.decodeInto(learner, bytes, state);
        } catch (StateFormatException e) {
            return new ModelQueries.ModelView(name, champion, learner.spec(), -1, null, Map.of(), e.getMessage());
        }
        Long time = state.lastEventTime() == ModelState.NO_TIME ? null : state.lastEventTime();
        return new ModelQueries.ModelView(name, champion, learner.spec(), state.updates(), time,
                learner.inspect(state), null);
    }

    /** The population priors stored in one task's {@code store} (see {@link PopulationPriors}). */
    public static List<ModelQueries.PriorView> priors(ReadOnlyKeyValueStore<String, byte[]> store, int partition) {
        List<ModelQueries.PriorView> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(PopulationPriors.POPULATION, KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                io.streamlearn.learn.Population pop = PopulationPriors.decode(kv.value);
                if (pop == null) {
                    continue;
                }
                io.streamlearn.learn.Prior p = pop.prior();
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
     * Scores without learning, through the {@link ScoringStep} that scores {@code entityKey} in the
     * topology; a key with no readable state for a model scores with a fresh state.
     *
     * @param time event time to score at, or null for the state's latest event time (0 when none)
     */
    public ModelQueries.ScoreResult score(ReadOnlyKeyValueStore<String, byte[]> store, String entityKey,
                                          Map<String, Double> features, Long time) {
        List<ModelQueries.Score> scores = new ArrayList<>();
        ModelStore readOnly = new ReadOnlyModelStore(store);
        int unknown;
        synchronized (this) {
            unknown = sets.get().step(entityKey).predict(entityKey, time, features, readOnly,
                    new ScoringStep.Reading() {
                        @Override
                        public void accept(String model, boolean champion, long version, double mean, double stddev,
                                           boolean fresh) {
                            scores.add(new ModelQueries.Score(model, champion, version, mean, stddev, fresh));
                        }

                        @Override
                        public void accept(String model, boolean champion, long version,
                                           io.streamlearn.learn.Prediction p, boolean fresh) {
                            scores.add(new ModelQueries.Score(model, champion, version, p.mean(), p.stddev(), fresh,
                                    p.lower80(), p.upper80(), p.lower95(), p.upper95()));
                        }
                    });
        }
        return new ModelQueries.ScoreResult(scores, unknown);
    }

    /** A model store that reads a query store and refuses every write. */
    private record ReadOnlyModelStore(ReadOnlyKeyValueStore<String, byte[]> store) implements ModelStore {
        @Override
        public byte[] get(String key, String model) {
            return store.get(ModelStore.storeKey(key, model));
        }

        @Override
        public void put(String key, String model, byte[] state) {
            throw new UnsupportedOperationException("the HTTP endpoint never writes a model");
        }

        @Override
        public void delete(String key, String model) {
            throw new UnsupportedOperationException("the HTTP endpoint never writes a model");
        }
    }
}
