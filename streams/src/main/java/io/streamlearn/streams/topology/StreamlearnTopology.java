package io.streamlearn.streams.topology;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.topology.errors.SkippedRecords;
import org.apache.kafka.common.serialization.Serdes;
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
 * </pre>
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
    public static final String SCORE = "score";
    public static final String PREDICTIONS_SINK = "predictions-sink";
    public static final String SHADOW_SINK = "predictions-shadow-sink";
    public static final String DEAD_LETTERS_SINK = "dead-letters-sink";

    private StreamlearnTopology() {
    }

    /** The topology over a persistent RocksDB store, counting skipped records into a private counter. */
    public static Topology build(AppConfig config) {
        return build(config, new SkippedRecords());
    }

    /** The topology over a persistent RocksDB store. */
    public static Topology build(AppConfig config, SkippedRecords skipped) {
        return build(config, skipped, Stores.persistentKeyValueStore(config.storeName()));
    }

    /**
     * The topology over the given store (e.g. {@code Stores.inMemoryKeyValueStore(config.storeName())}
     * in tests). The store is changelogged and cached whatever the supplier.
     *
     * @param store its {@code name()} must equal {@code config.storeName()}
     */
    public static Topology build(AppConfig config, SkippedRecords skipped, KeyValueBytesStoreSupplier store) {
        if (!store.name().equals(config.storeName())) {
            throw new IllegalArgumentException("store supplier is named '" + store.name() + "' but the config says '"
                    + config.storeName() + "'");
        }
        boolean shadow = config.models().size() > 1;
        StoreBuilder<KeyValueStore<String, byte[]>> storeBuilder =
                Stores.keyValueStoreBuilder(store, Serdes.String(), Serdes.ByteArray())
                        .withCachingEnabled()
                        .withLoggingEnabled(java.util.Map.of());

        Topology t = new Topology();
        t.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), config.eventsTopic());
        t.addProcessor(SCORE, () -> new ScoreEventsProcessor(config.featureSpace(), config.models(), config.storeName(),
                config.outputFormat(), skipped, PREDICTIONS_SINK, shadow ? SHADOW_SINK : PREDICTIONS_SINK,
                DEAD_LETTERS_SINK), SOURCE);
        t.addStateStore(storeBuilder, SCORE);
        t.addSink(PREDICTIONS_SINK, config.predictionsTopic(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), SCORE);
        if (shadow) {
            t.addSink(SHADOW_SINK, config.shadowPredictionsTopic(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), SCORE);
        }
        t.addSink(DEAD_LETTERS_SINK, config.deadLettersTopic(), Serdes.String().serializer(), Serdes.ByteArray().serializer(), SCORE);
        return t;
    }
}
