package io.streamlearn.streams.http;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.schemas.mapping.FieldMapping;
import org.apache.kafka.common.serialization.StringSerializer;
import io.streamlearn.streams.score.ModelSets;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link ModelQueries} over a running {@link KafkaStreams} instance and its model store (interactive
 * queries). A key's owner is found with {@link KafkaStreams#queryMetadataForKey} on the ENTITY key and a
 * {@link StringSerializer}: store keys are composite ({@code entityKey + U+0000 + model}), but records
 * are partitioned by the entity key, which is what the metadata lookup must hash. The instance's
 * {@code application.server} must be set to {@code self}, the address of its HTTP endpoint.
 * Thread-safe.
 *
 * <pre>{@code
 * ModelQueries q = new KafkaStreamsModelQueries(streams, "models", space, List.of("sgd:lr=0.1"),
 *         new HostInfo("127.0.0.1", 8080));
 * }</pre>
 */
public final class KafkaStreamsModelQueries implements ModelQueries {

    private static final StringSerializer KEYS = new StringSerializer();

    private final KafkaStreams streams;
    private final String storeName;
    private final StoreModelReader reader;
    private final HostInfo self;
    private final java.util.function.IntSupplier restoring;
    private volatile FieldMapping mapping = FieldMapping.defaults(FieldMapping.INPUT_PREFIX);

    /**
     * @param streams   the running instance; not null
     * @param storeName the model store, e.g. {@code models}
     * @param space     the feature space of the scoring step
     * @param specs     the configured model SPECs, champion first
     * @param self      this instance's {@code application.server}, not null
     */
    public KafkaStreamsModelQueries(KafkaStreams streams, String storeName, FeatureSpace space, List<String> specs, HostInfo self) {
        this(streams, storeName, space, specs, self, () -> 0);
    }

    /** @param restoring the partitions being restored now, e.g. {@code StreamlearnApp::restoringPartitions} */
    public KafkaStreamsModelQueries(KafkaStreams streams, String storeName, FeatureSpace space, List<String> specs, HostInfo self,
                                    java.util.function.IntSupplier restoring) {
        this(streams, storeName, new StoreModelReader(space, specs), self, restoring);
    }

    /**
     * Queries of an application with live model control: a key's models are those the topology resolves
     * from the global {@code model-control} store {@code controlStoreName} (see {@link ModelSets}), else
     * {@code specs}.
     */
    public KafkaStreamsModelQueries(KafkaStreams streams, String storeName, String controlStoreName, FeatureSpace space,
                                    List<String> specs, HostInfo self, java.util.function.IntSupplier restoring) {
        this(streams, storeName, new StoreModelReader(new ControlledModelSets(streams, controlStoreName, space, specs)),
                self, restoring);
    }

    private KafkaStreamsModelQueries(KafkaStreams streams, String storeName, StoreModelReader reader, HostInfo self,
                                     java.util.function.IntSupplier restoring) {
        this.streams = streams;
        this.storeName = storeName;
        this.reader = reader;
        this.self = self;
        this.restoring = restoring;
    }

    private java.util.function.BooleanSupplier started = () -> true;

    /**
     * {@code POST /score} reads records in the events topic's shape with this mapping.
     *
     * @return this
     */
    public KafkaStreamsModelQueries mapping(FieldMapping mapping) {
        this.mapping = mapping;
        return this;
    }

    @Override
    public FieldMapping eventMapping() {
        return mapping;
    }

    /**
     * The model sets over the control store of a running instance, made at the first query that finds the
     * store queryable (until then a query fails as a model-store query would). Called under the reader's lock.
     */
    private static final class ControlledModelSets implements java.util.function.Supplier<ModelSets> {
        private final KafkaStreams streams;
        private final String controlStoreName;
        private final FeatureSpace space;
        private final List<String> specs;
        private ModelSets sets;

        ControlledModelSets(KafkaStreams streams, String controlStoreName, FeatureSpace space, List<String> specs) {
            this.streams = streams;
            this.controlStoreName = controlStoreName;
            this.space = space;
            this.specs = specs;
        }

        @Override
        public ModelSets get() {
            if (sets == null) {
                sets = new ModelSets(space, specs, streams.store(StoreQueryParameters.fromNameAndType(controlStoreName,
                        QueryableStoreTypes.<String, String>keyValueStore())));
            }
            return sets;
        }
    }

    @Override
    public int restoringPartitions() {
        return restoring.getAsInt();
    }

    /**
     * {@link #hasStarted()} answers {@code started}, e.g. {@code StreamlearnApp::hasBeenRunning}
     * (default: always true).
     *
     * @return this
     */
    public KafkaStreamsModelQueries startedWhen(java.util.function.BooleanSupplier started) {
        this.started = java.util.Objects.requireNonNull(started, "started");
        return this;
    }

    @Override
    public boolean hasStarted() {
        return started.getAsBoolean();
    }

    @Override
    public Route route(String entityKey) {
        KeyQueryMetadata md;
        try {
            md = streams.queryMetadataForKey(storeName, entityKey, KEYS);
        } catch (IllegalStateException | InvalidStateStoreException e) {
            return Route.unavailable("streams not ready: " + e.getMessage());
        }
        if (md == null || md == KeyQueryMetadata.NOT_AVAILABLE || md.activeHost() == null) {
            return Route.unavailable("no instance owns the key's partition right now (state " + streams.state() + ")");
        }
        HostInfo owner = md.activeHost();
        if (owner.equals(self)) {
            return Route.local();
        }
        return Route.remote(owner.host(), owner.port());
    }

    private ReadOnlyKeyValueStore<String, byte[]> store() {
        return streams.store(StoreQueryParameters.fromNameAndType(storeName, QueryableStoreTypes.<String, byte[]>keyValueStore()));
    }

    @Override
    public List<PriorView> priors() {
        List<PriorView> out = new ArrayList<>();
        java.util.TreeSet<Integer> partitions = new java.util.TreeSet<>();
        for (org.apache.kafka.streams.ThreadMetadata t : streams.metadataForLocalThreads()) {
            for (org.apache.kafka.streams.TaskMetadata task : t.activeTasks()) {
                partitions.add(task.taskId().partition());
            }
        }
        for (int p : partitions) {
            try {
                out.addAll(StoreModelReader.priors(store(p), p));
            } catch (InvalidStateStoreException e) {
                // the task moved or is restoring: left out of this answer
            }
        }
        return out;
    }

    @Override
    public List<PriorView> priorsOf(String entityKey) {
        try {
            KeyQueryMetadata md = streams.queryMetadataForKey(storeName, entityKey, KEYS);
            if (md == null || md == KeyQueryMetadata.NOT_AVAILABLE || md.partition() < 0) {
                return List.of();
            }
            return StoreModelReader.priors(store(md.partition()), md.partition());
        } catch (IllegalStateException | InvalidStateStoreException e) {
            return List.of();
        }
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(storeName, QueryableStoreTypes.<String, byte[]>keyValueStore())
                .withPartition(partition));
    }

    @Override
    public List<ModelView> models(String entityKey) {
        return reader.models(store(), entityKey);
    }

    @Override
    public KeyPage keys(String prefix, int limit) {
        return reader.keys(store(), prefix, limit);
    }

    @Override
    public ScoreResult score(String entityKey, Map<String, Double> features, Long time) {
        return reader.score(store(), entityKey, features, time);
    }

    @Override
    public List<String> peers() {
        List<String> peers = new ArrayList<>();
        for (StreamsMetadata m : streams.streamsMetadataForStore(storeName)) {
            HostInfo h = m.hostInfo();
            if (!h.equals(self)) {
                peers.add(h.host() + ":" + h.port());
            }
        }
        return peers;
    }

    @Override
    public String streamsState() {
        return streams.state().name();
    }

    @Override
    public boolean isServing() {
        KafkaStreams.State s = streams.state();
        return s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING;
    }

    @Override
    public Optional<String> self() {
        return Optional.of(self.host() + ":" + self.port());
    }
}
