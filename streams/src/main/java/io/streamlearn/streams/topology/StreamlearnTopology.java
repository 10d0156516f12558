package io.streamlearn.streams.topology;

import io.streamlearn.streams.control.ModelControlProcessor;
import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.streams.score.ModelSets;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.learn.features.FeatureSpace;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;


import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * Builds the Streamlearn topology (Processor API):
 * <pre>
 *   events (String key, raw bytes)
 *     └─ {@value #SOURCE}
 *          └─ {@value #SCORE}  ── store "models" (RocksDB, changelogged): state bytes per (key, model)
 *               ├─ {@value #PREDICTIONS_SINK}  → predictions         (the champion: first model)
 *               ├─ {@value #SHADOW_SINK}       → predictions-shadow  (other models; only when there are some)
 *               └─ {@value #DEAD_LETTERS_SINK} → dead-letters        (records that could not be scored)
 *   labels (String key, raw bytes), partitioned like events (see {@code app.TopicSetup})
 *     └─ {@value #LABELS_SOURCE}
 *          └─ {@value #LABELS} ── stores "models" and "pending-labels" (shared with {@value #SCORE}, same task)
 *               ├─ {@value #DEAD_LETTERS_SINK} → dead-letters (unknown-event, expired, duplicate-label, ...)
 *               └─ {@value #FORGET_ACKS_SINK}  → forget-acks  (with a control topic: {key, time, removed})
 *   model-control (compacted) → global store {@value #CONTROL_STORE} (every instance): models per scope
 * </pre>
 * {@value #SCORE} keeps each unlabelled event in the pending-label store; {@value #LABELS} joins a
 * late label to it and learns (see {@link LabelsProcessor}). Both score and learn with the model set
 * the control store names for the key (see {@link ModelControl}).
 * Topic and store names come from the {@link AppConfig}; outputs are written in its output format
 * (Avro single-object or JSON). See {@link ScoreEventsProcessor} for what happens to one record.
 *
 * <pre>{@code
 * AppConfig config = AppConfig.defaults()
 *         .with(AppConfig.FEATURES_KEY, "x1,x2")
 *         .with(AppConfig.OUTPUT_FORMAT_KEY, "json");
 * Topology topology = StreamlearnTopology.build(config);
 * KafkaStreams streams = new KafkaStreams(topology, props);   // or StreamlearnApp, which sets the handlers
 * }</pre>
 */
public final class StreamlearnTopology {

    public static final String SOURCE = "events-source";
    public static final String LABELS_SOURCE = "labels-source";
    public static final String CONTROL_SOURCE = "model-control-source";
    public static final String SCORE = "score";
    public static final String LABELS = "labels";
    public static final String CONTROL = "model-control";
    /** The global, in-memory store of validated control records (restored from the control topic). */
    public static final String CONTROL_STORE = "model-control-store";
    public static final String PREDICTIONS_SINK = "predictions-sink";
    public static final String SHADOW_SINK = "predictions-shadow-sink";
    public static final String DEAD_LETTERS_SINK = "dead-letters-sink";
    public static final String FORGET_ACKS_SINK = "forget-acks-sink";

    private StreamlearnTopology() {
    }

    /** The topology over persistent RocksDB stores, counting skipped records into a private counter. */
    public static Topology build(AppConfig config) {
        return build(config, new SkippedRecords());
    }

    /** The topology over persistent RocksDB stores. */
    public static Topology build(AppConfig config, SkippedRecords skipped) {
        return build(config, skipped, Stores.persistentKeyValueStore(config.storeName()));
    }

    /**
     * The topology over persistent RocksDB stores, told the events topic's partition count (which a task
     * needs to know whether it owns the key of a forget request; 0 while unknown, and requests wait).
     */
    public static Topology build(AppConfig config, SkippedRecords skipped, IntSupplier eventPartitions) {
        return build(config, skipped, eventPartitions, StreamlearnMeters.noop());
    }

    /**
     * As {@link #build(AppConfig, SkippedRecords, IntSupplier)}, with the processors counting into
     * {@code meters} (see {@link StreamlearnMeters} for what they record).
     */
    public static Topology build(AppConfig config, SkippedRecords skipped, IntSupplier eventPartitions,
                                 StreamlearnMeters meters) {
        return build(config, skipped, Stores.persistentKeyValueStore(config.storeName()),
                Stores.persistentKeyValueStore(config.pendingStoreName()), eventPartitions, meters);
    }

    /** The topology over the given model store and a persistent RocksDB pending-label store. */
    public static Topology build(AppConfig config, SkippedRecords skipped, KeyValueBytesStoreSupplier store) {
        KeyValueBytesStoreSupplier pending = store.metricsScope().contains("memory")
                ? Stores.inMemoryKeyValueStore(config.pendingStoreName())
                : Stores.persistentKeyValueStore(config.pendingStoreName());
        return build(config, skipped, store, pending);
    }

    /**
     * The topology over the given stores (e.g. {@code Stores.inMemoryKeyValueStore(config.storeName())}
     * in tests). Both are changelogged and cached whatever the supplier.
     *
     * @param store   its {@code name()} must equal {@code config.storeName()}
     * @param pending its {@code name()} must equal {@code config.pendingStoreName()}
     */
    public static Topology build(AppConfig config, SkippedRecords skipped, KeyValueBytesStoreSupplier store,
                                 KeyValueBytesStoreSupplier pending) {
        return build(config, skipped, store, pending, config::topicPartitions);
    }

    /**
     * As {@link #build(AppConfig, SkippedRecords, KeyValueBytesStoreSupplier, KeyValueBytesStoreSupplier)},
     * with the events topic's partition count (the other overloads assume {@code streamlearn.topic.partitions}).
     */
    public static Topology build(AppConfig config, SkippedRecords skipped, KeyValueBytesStoreSupplier store,
                                 KeyValueBytesStoreSupplier pending, IntSupplier eventPartitions) {
        return build(config, skipped, store, pending, eventPartitions, StreamlearnMeters.noop());
    }

    /**
     * The topology over the given stores, its processors counting into {@code meters} (one instance
     * shared by every task; {@link StreamlearnMeters#noop()} to record nothing).
     */
    public static Topology build(AppConfig config, SkippedRecords skipped, KeyValueBytesStoreSupplier store,
                                 KeyValueBytesStoreSupplier pending, IntSupplier eventPartitions,
                                 StreamlearnMeters meters) {
        if (!store.name().equals(config.storeName())) {
            throw new IllegalArgumentException("store supplier is named '" + store.name() + "' but the config says '"
                    + config.storeName() + "'");
        }
        if (!pending.name().equals(config.pendingStoreName())) {
            throw new IllegalArgumentException("pending store supplier is named '" + pending.name()
                    + "' but the config says '" + config.pendingStoreName() + "'");
        }
        boolean shadow = config.shadowEnabled();
        String controlTopic = config.controlTopic();
        FeatureSpace space = config.featureSpace();
        List<String> models = config.models();
        Function<ProcessorContext<?, ?>, ModelSets> sets = controlTopic == null
                ? ctx -> new ModelSets(space, models, null)
                : ctx -> new ModelSets(space, models, ctx.getStateStore(CONTROL_STORE));
        long horizon = config.labelHorizon().toMillis();

        Topology t = new Topology();
        if (controlTopic != null) {
            t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CONTROL_STORE), Serdes.String(),
                            Serdes.String()).withLoggingDisabled(),
                    CONTROL_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), controlTopic,
                    CONTROL, () -> new ModelControlProcessor(CONTROL_STORE, space.dimension(), skipped));
        }
        t.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), config.eventsTopic());
        t.addSource(LABELS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), config.labelsTopic());
        t.addProcessor(SCORE, () -> new ScoreEventsProcessor(sets, config.storeName(), config.pendingStoreName(), horizon,
                config.outputFormat(), skipped, PREDICTIONS_SINK, shadow ? SHADOW_SINK : PREDICTIONS_SINK,
                DEAD_LETTERS_SINK, config.keyTtl().toMillis(), config.maxKeys(), meters), SOURCE);
        t.addProcessor(LABELS, () -> new LabelsProcessor(sets, config.storeName(), config.pendingStoreName(), horizon,
                config.labelSweepInterval(), config.outputFormat(), skipped, DEAD_LETTERS_SINK,
                controlTopic == null ? null : CONTROL_STORE, config.keyTtl().toMillis(), eventPartitions,
                controlTopic == null ? null : FORGET_ACKS_SINK, meters), LABELS_SOURCE);
        t.addStateStore(changelogged(store), SCORE, LABELS);
        t.addStateStore(changelogged(pending), SCORE, LABELS);
        t.addSink(PREDICTIONS_SINK, config.predictionsTopic(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), SCORE);
        if (shadow) {
            t.addSink(SHADOW_SINK, config.shadowPredictionsTopic(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), SCORE);
        }
        t.addSink(DEAD_LETTERS_SINK, config.deadLettersTopic(), Serdes.String().serializer(), Serdes.ByteArray().serializer(),
                SCORE, LABELS);
        if (controlTopic != null) {
            t.addSink(FORGET_ACKS_SINK, config.forgetAcksTopic(), Serdes.String().serializer(),
                    Serdes.ByteArray().serializer(), LABELS);
        }
        return t;
    }

    private static StoreBuilder<KeyValueStore<String, byte[]>> changelogged(KeyValueBytesStoreSupplier supplier) {
        return Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of());
    }
}
