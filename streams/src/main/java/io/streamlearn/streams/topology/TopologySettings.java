package io.streamlearn.streams.topology;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.registry.RegistryConfig;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.score.PriorSettings;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * Everything {@link StreamlearnTopology#build} and its processors need: topic and store names, the
 * models and their feature space, the label and key life-cycle settings, and the run-time pieces (the
 * store suppliers, where skipped records and meters are counted, the events topic's partition count).
 * The application makes one from its config ({@code AppConfig.topologySettings()}); tests and benchmarks
 * change a piece with the {@code with...} methods. Immutable; the run-time pieces are shared.
 *
 * <pre>{@code
 * TopologySettings s = config.topologySettings()
 *         .withModelStore(Stores.inMemoryKeyValueStore(config.storeName()));   // in-memory pending store too
 * Topology topology = StreamlearnTopology.build(s);
 * }</pre>
 *
 * @param controlTopic      the {@code model-control} topic, or null without live model control
 * @param shadow            whether challengers may run (a shadow predictions sink exists)
 * @param labelHorizon      how long an unlabelled event waits for its label, in event time
 * @param labelSweepInterval how often (wall clock) the pending store is swept
 * @param keyTtl            time-to-live of idle keys in event time, {@link Duration#ZERO} for none
 * @param maxKeys           the models-store entry count beyond which new keys get no model, 0 for no limit
 * @param modelStore        its {@code name()} must equal {@code storeName}
 * @param pendingStore      its {@code name()} must equal {@code pendingStoreName}
 * @param eventPartitions   the events topic's partition count (0 while unknown: forget requests wait)
 * @param meters            the application's meters, or {@link StreamlearnMeters#noop()}
 * @param eventMapping      how event records map to events ({@code streamlearn.input.*}; default: today's shape)
 * @param labelMapping      how label records map to labels ({@code streamlearn.labels.*}; default: today's shape)
 * @param registry          the Schema Registry of Confluent-framed records ({@code schema.registry.url}), or null:
 *                          then such records are {@code unknown-format} dead letters
 * @param confluentOutput   whether predictions and dead letters are written in the Confluent wire format
 *                          ({@code streamlearn.output.format=confluent-avro}; needs {@code registry})
 * @param prior             how new keys start ({@code streamlearn.prior*}): the task's population prior or the default
 * @param maxFuture         how far ahead of the wall clock an event or label time may be
 *                          ({@code streamlearn.max-future}); {@link Duration#ZERO} for no limit
 */
public record TopologySettings(
        String eventsTopic, String labelsTopic, String controlTopic, String predictionsTopic,
        String shadowPredictionsTopic, String deadLettersTopic, String forgetAcksTopic,
        String storeName, String pendingStoreName,
        FeatureSpace featureSpace, List<String> models, WireFormat outputFormat, boolean shadow,
        Duration labelHorizon, Duration labelSweepInterval, Duration keyTtl, long maxKeys,
        KeyValueBytesStoreSupplier modelStore, KeyValueBytesStoreSupplier pendingStore,
        SkippedRecords skipped, IntSupplier eventPartitions, StreamlearnMeters meters,
        FieldMapping eventMapping, FieldMapping labelMapping, RegistryConfig registry, boolean confluentOutput,
        PriorSettings prior, Duration maxFuture) {

    /** @throws IllegalArgumentException when a store supplier's name differs from the store name */
    public TopologySettings {
        Objects.requireNonNull(eventsTopic, "eventsTopic");
        Objects.requireNonNull(labelsTopic, "labelsTopic");
        Objects.requireNonNull(featureSpace, "featureSpace");
        models = List.copyOf(models);
        Objects.requireNonNull(skipped, "skipped");
        Objects.requireNonNull(eventPartitions, "eventPartitions");
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(eventMapping, "eventMapping");
        Objects.requireNonNull(labelMapping, "labelMapping");
        Objects.requireNonNull(prior, "prior");
        Objects.requireNonNull(maxFuture, "maxFuture");
        if (confluentOutput && registry == null) {
            throw new IllegalArgumentException("Confluent output needs a schema registry");
        }
        if (!modelStore.name().equals(storeName)) {
            throw new IllegalArgumentException("store supplier is named '" + modelStore.name() + "' but the config says '"
                    + storeName + "'");
        }
        if (!pendingStore.name().equals(pendingStoreName)) {
            throw new IllegalArgumentException("pending store supplier is named '" + pendingStore.name()
                    + "' but the config says '" + pendingStoreName + "'");
        }
    }

    /**
     * These settings over another model store, with a pending store of the same kind (in-memory beside
     * an in-memory model store, else persistent RocksDB).
     */
    public TopologySettings withModelStore(KeyValueBytesStoreSupplier store) {
        KeyValueBytesStoreSupplier pending = store.metricsScope().contains("memory")
                ? Stores.inMemoryKeyValueStore(pendingStoreName)
                : Stores.persistentKeyValueStore(pendingStoreName);
        return withStores(store, pending);
    }

    /** These settings over the given stores (both are changelogged and cached whatever the supplier). */
    public TopologySettings withStores(KeyValueBytesStoreSupplier store, KeyValueBytesStoreSupplier pending) {
        return copy(store, pending, skipped, eventPartitions, meters);
    }

    /** These settings counting skipped records into {@code skipped}. */
    public TopologySettings withSkipped(SkippedRecords skipped) {
        return copy(modelStore, pendingStore, skipped, eventPartitions, meters);
    }

    /** These settings told the events topic's partition count by {@code eventPartitions}. */
    public TopologySettings withEventPartitions(IntSupplier eventPartitions) {
        return copy(modelStore, pendingStore, skipped, eventPartitions, meters);
    }

    /** These settings counting into {@code meters} (one instance shared by every task). */
    public TopologySettings withMeters(StreamlearnMeters meters) {
        return copy(modelStore, pendingStore, skipped, eventPartitions, meters);
    }

    /** These settings reading events and labels with these field mappings. */
    public TopologySettings withMappings(FieldMapping events, FieldMapping labels) {
        return new TopologySettings(eventsTopic, labelsTopic, controlTopic, predictionsTopic, shadowPredictionsTopic,
                deadLettersTopic, forgetAcksTopic, storeName, pendingStoreName, featureSpace, models, outputFormat, shadow,
                labelHorizon, labelSweepInterval, keyTtl, maxKeys, modelStore, pendingStore, skipped, eventPartitions, meters,
                events, labels, registry, confluentOutput, prior, maxFuture);
    }

    /** Whether the topology reads a control topic (then forget requests are carried out and acknowledged). */
    public boolean controlled() {
        return controlTopic != null;
    }

    private TopologySettings copy(KeyValueBytesStoreSupplier store, KeyValueBytesStoreSupplier pending, SkippedRecords skipped,
                                  IntSupplier eventPartitions, StreamlearnMeters meters) {
        return new TopologySettings(eventsTopic, labelsTopic, controlTopic, predictionsTopic, shadowPredictionsTopic,
                deadLettersTopic, forgetAcksTopic, storeName, pendingStoreName, featureSpace, models, outputFormat, shadow,
                labelHorizon, labelSweepInterval, keyTtl, maxKeys, store, pending, skipped, eventPartitions, meters,
                eventMapping, labelMapping, registry, confluentOutput, prior, maxFuture);
    }

    /** These settings starting new keys as {@code prior} says. */
    public TopologySettings withPrior(PriorSettings prior) {
        return new TopologySettings(eventsTopic, labelsTopic, controlTopic, predictionsTopic, shadowPredictionsTopic,
                deadLettersTopic, forgetAcksTopic, storeName, pendingStoreName, featureSpace, models, outputFormat, shadow,
                labelHorizon, labelSweepInterval, keyTtl, maxKeys, modelStore, pendingStore, skipped, eventPartitions, meters,
                eventMapping, labelMapping, registry, confluentOutput, prior, maxFuture);
    }
}
