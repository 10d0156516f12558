package io.streamlearn.streams.topology;

import io.streamlearn.streams.control.ModelControlProcessor;
import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.streams.score.ModelSets;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.decode.RegistryInput;
import io.streamlearn.streams.publish.ConfluentOutputSerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

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
 * late label to it and learns (see {@link LabelJoin}). Both score and learn with the model set
 * the control store names for the key (see {@link ModelControl}).
 * Topic and store names come from the {@link TopologySettings}; outputs are written in its output format
 * (Avro single-object or JSON). See {@link ScoreEventsProcessor} for what happens to one record.
 *
 * <pre>{@code
 * AppConfig config = AppConfig.defaults()
 *         .with(AppConfig.FEATURES_KEY, "x1,x2")
 *         .with(AppConfig.OUTPUT_FORMAT_KEY, "json");
 * Topology topology = StreamlearnTopology.build(config.topologySettings());
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
    public static final String CONTROL_STORE = ModelControl.STORE;
    public static final String PREDICTIONS_SINK = "predictions-sink";
    public static final String SHADOW_SINK = "predictions-shadow-sink";
    public static final String DEAD_LETTERS_SINK = "dead-letters-sink";
    public static final String FORGET_ACKS_SINK = "forget-acks-sink";

    private StreamlearnTopology() {
    }

    /**
     * The topology of {@code settings} (see {@link TopologySettings}; the application makes them from its
     * config).
     */
    public static Topology build(TopologySettings settings) {
        String controlTopic = settings.controlTopic();
        boolean shadow = settings.shadow();
        SkippedRecords skipped = settings.skipped();
        // Confluent-framed inputs (values and keys) when a schema registry is configured: one client (and schema
        // cache) for every task; Confluent-framed outputs with confluent-avro.
        RegistryInput registry = settings.registry() == null ? null : RegistryInput.of(settings.registry());
        Deserializer<String> keys = registry == null ? Serdes.String().deserializer() : registry.keyDeserializer();
        Serializer<byte[]> outputs = settings.confluentOutput()
                ? new ConfluentOutputSerializer(registry.codec()) : Serdes.ByteArray().serializer();
        Topology t = new Topology();
        if (controlTopic != null) {
            t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CONTROL_STORE), Serdes.String(),
                            Serdes.String()).withLoggingDisabled(),
                    CONTROL_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), controlTopic,
                    CONTROL, () -> new ModelControlProcessor(CONTROL_STORE, settings.featureSpace().dimension(), skipped));
        }
        t.addSource(SOURCE, keys, Serdes.ByteArray().deserializer(), settings.eventsTopic());
        t.addSource(LABELS_SOURCE, keys, Serdes.ByteArray().deserializer(), settings.labelsTopic());
        t.addProcessor(SCORE, () -> new ScoreEventsProcessor(settings, registry), SOURCE);
        t.addProcessor(LABELS, () -> new LabelJoin(settings, registry), LABELS_SOURCE);
        t.addStateStore(changelogged(settings.modelStore()), SCORE, LABELS);
        t.addStateStore(changelogged(settings.pendingStore()), SCORE, LABELS);
        t.addSink(PREDICTIONS_SINK, settings.predictionsTopic(), Serdes.String().serializer(), outputs, SCORE);
        if (shadow) {
            t.addSink(SHADOW_SINK, settings.shadowPredictionsTopic(), Serdes.String().serializer(), outputs, SCORE);
        }
        t.addSink(DEAD_LETTERS_SINK, settings.deadLettersTopic(), Serdes.String().serializer(), outputs, SCORE, LABELS);
        if (controlTopic != null) {
            t.addSink(FORGET_ACKS_SINK, settings.forgetAcksTopic(), Serdes.String().serializer(),
                    Serdes.ByteArray().serializer(), LABELS);
        }
        return t;
    }

    private static StoreBuilder<KeyValueStore<String, byte[]>> changelogged(KeyValueBytesStoreSupplier supplier) {
        return Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(java.util.Map.of());
    }

    /** The model sets of a processor of the topology: from the control store when there is one. */
    static ModelSets modelSets(TopologySettings settings, ProcessorContext<?, ?> context) {
        return new ModelSets(settings.featureSpace(), settings.models(),
                settings.controlled() ? context.getStateStore(CONTROL_STORE) : null, settings.prior());
    }
}
