package io.streamlearn.streams.topology;

import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.IntSupplier;

/**
 * The whole {@link StreamlearnTopology} over in-memory stores in a {@link TopologyTestDriver}, with the topics
 * the config has and JSON piping helpers, for the topology unit tests. Not thread-safe (neither is the driver).
 *
 * <p>The always-present topics, the driver and the config are final fields; the optional topics are methods.
 * The topology is built with {@link StreamlearnTopology#build} over in-memory stores, the driver with {@link StreamlearnApp#streamsProperties} plus {@code state.dir}.
 * Every topic is created up front, but only those the config has: no control or forget-acks topic when live
 * control is disabled, no shadow topic when only one model runs (their accessors then throw).
 *
 * <pre>{@code
 * // in a test with a JUnit @TempDir Path stateDir
 * AppConfig config = TopologyHarness.config("sgd:lr=0.5", Map.of(AppConfig.LABEL_HORIZON_KEY, "1h"));
 * try (TopologyHarness harness = new TopologyHarness(config, stateDir, new SkippedRecords())) {
 *     harness.event("k1", "e1", 1_000, 1, 2, null);      // unlabelled: waits for its label
 *     harness.label("k1", "e1", 2_000, 3.0);
 *     harness.event("k1", "e2", 3_000, 1, 2, null);
 *     assertEquals(1L, harness.readPredictions().get(1).getVersion());
 * }
 * }</pre>
 */
final class TopologyHarness implements AutoCloseable {

    /** The config the topology was built from. */
    final AppConfig config;
    /** The driver, e.g. to {@code advanceWallClockTime} (which runs the punctuators: sweeps, TTL, forgets). */
    final TopologyTestDriver driver;
    /** The events topic, for raw records; {@link #event} pipes JSON events. */
    final TestInputTopic<String, byte[]> events;
    /** The labels topic, for raw records; {@link #label} pipes JSON labels. */
    final TestInputTopic<String, byte[]> labels;
    /** The champion predictions, in the config's output format; {@link #readPredictions} decodes them. */
    final TestOutputTopic<String, byte[]> predictions;
    /** The dead letters; {@link #readDeadLetters} decodes them. */
    final TestOutputTopic<String, byte[]> deadLetters;
    /** The model store's changelog topic (its tombstones are the evictions). */
    final TestOutputTopic<String, byte[]> changelog;
    // null when the config does not have them; their accessors throw then
    private final TestInputTopic<String, byte[]> controlTopic;
    private final TestOutputTopic<String, byte[]> shadowTopic;
    private final TestOutputTopic<String, byte[]> forgetAcksTopic;

    /**
     * The usual test config: a dummy bootstrap server, features {@code x1,x2}, the given models ({@code ;}-separated,
     * the champion first) and JSON output. Add settings with {@link AppConfig#with}.
     */
    static AppConfig config(String models) {
        return AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, "unused:9092")
                .with(AppConfig.FEATURES_KEY, "x1,x2")
                .with(AppConfig.MODELS_KEY, models)
                .with(AppConfig.OUTPUT_FORMAT_KEY, "json");
    }

    /** As {@link #config(String)}, with {@code settings} applied on top. */
    static AppConfig config(String models, Map<String, String> settings) {
        return config(models).with(settings);
    }

    /**
     * The topology of {@code config} with the partition count {@code config.topicPartitions()} and no meters,
     * over in-memory stores.
     */
    TopologyHarness(AppConfig config, Path stateDir, SkippedRecords skipped) {
        this(config, stateDir, skipped, config::topicPartitions, StreamlearnMeters.noop());
    }

    /**
     * @param stateDir        the driver's {@code state.dir} (a JUnit {@code @TempDir})
     * @param skipped         counts skipped records; also given to {@link StreamlearnApp#streamsProperties}
     * @param eventPartitions the events topic's partition count, as the topology asks for it (the driver runs task 0_x)
     * @param meters          what the processors count into; {@link StreamlearnMeters#noop()} for nothing
     */
    private final StreamlearnMeters meters;

    TopologyHarness(AppConfig config, Path stateDir, SkippedRecords skipped, IntSupplier eventPartitions,
                    StreamlearnMeters meters) {
        this.config = config;
        this.meters = meters == StreamlearnMeters.noop() ? StreamlearnMeters.withoutErrors(new SimpleMeterRegistry()) : meters;
        Topology topology = StreamlearnTopology.build(config.topologySettings()
                .withStores(Stores.inMemoryKeyValueStore(config.storeName()), Stores.inMemoryKeyValueStore(config.pendingStoreName()))
                .withSkipped(skipped).withEventPartitions(eventPartitions).withMeters(this.meters));
        Properties props = StreamlearnApp.streamsProperties(config, skipped);
        props.put("state.dir", stateDir.toString());
        driver = new TopologyTestDriver(topology, props);
        events = input(config.eventsTopic());
        labels = input(config.labelsTopic());
        boolean controlled = config.controlTopic() != null;
        controlTopic = controlled ? input(config.controlTopic()) : null;
        predictions = output(config.predictionsTopic());
        shadowTopic = config.shadowEnabled() ? output(config.shadowPredictionsTopic()) : null;
        deadLetters = output(config.deadLettersTopic());
        forgetAcksTopic = controlled ? output(config.forgetAcksTopic()) : null;
        changelog = output(config.applicationId() + "-" + config.storeName() + "-changelog");
    }

    private TestInputTopic<String, byte[]> input(String topic) {
        return driver.createInputTopic(topic, new StringSerializer(), new ByteArraySerializer());
    }

    private TestOutputTopic<String, byte[]> output(String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The model-control topic; throws when the config disables live control. */
    TestInputTopic<String, byte[]> control() {
        return present(controlTopic, "control topic (live control is disabled)");
    }

    /** The challengers' predictions; throws when the config runs neither several models nor live control. */
    TestOutputTopic<String, byte[]> shadow() {
        return present(shadowTopic, "shadow predictions topic (one model and no live control)");
    }

    /** The forget acknowledgements; throws when the config disables live control. */
    TestOutputTopic<String, byte[]> forgetAcks() {
        return present(forgetAcksTopic, "forget-acks topic (live control is disabled)");
    }

    private static <T> T present(T topic, String what) {
        if (topic == null) {
            throw new IllegalStateException("this config has no " + what);
        }
        return topic;
    }

    /** The model store ({@code config.storeName()}), keys {@code ModelStore.storeKey(key, spec)}. */
    KeyValueStore<String, byte[]> modelStore() {
        return store(config.storeName());
    }

    /** The pending-label store ({@code config.pendingStoreName()}), see {@link PendingLabels}. */
    KeyValueStore<String, byte[]> pendingStore() {
        return store(config.pendingStoreName());
    }

    @SuppressWarnings("unchecked")
    private KeyValueStore<String, byte[]> store(String name) {
        return (KeyValueStore<String, byte[]>) (KeyValueStore<?, ?>) driver.getKeyValueStore(name);
    }

    /**
     * The JSON of an event: {@code {"id":..,"key":..,"ts":..,"features":<features>}} plus {@code "label"} when not null.
     *
     * @param features a JSON object, written as given (e.g. {@code {"x1":1,"x2":2}})
     */
    static byte[] eventJson(String key, String id, long ts, String features, Double label) {
        String l = label == null ? "" : ",\"label\":" + label;
        return ("{\"id\":\"" + id + "\",\"key\":\"" + key + "\",\"ts\":" + ts + ",\"features\":" + features + l + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Pipes the JSON event {@link #eventJson} to the events topic, keyed by {@code key}. */
    void event(String key, String id, long ts, String features, Double label) {
        events.pipeInput(key, eventJson(key, id, ts, features, label));
    }

    /** Pipes an event with features {@code x1} and {@code x2} (written as Java prints doubles); no label when null. */
    void event(String key, String id, long ts, double x1, double x2, Double label) {
        event(key, id, ts, "{\"x1\":" + x1 + ",\"x2\":" + x2 + "}", label);
    }

    /** Pipes the JSON label {@code {"id":..,"key":..,"ts":..,"label":..}} to the labels topic, keyed by {@code key}. */
    void label(String key, String id, long ts, double label) {
        labels.pipeInput(key, ("{\"id\":\"" + id + "\",\"key\":\"" + key + "\",\"ts\":" + ts + ",\"label\":" + label + "}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Pipes {@code json} (a tombstone when null) to the control topic under {@code scope}, e.g. {@code forget:k1}. */
    void control(String scope, String json) {
        control().pipeInput(scope, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads and decodes every champion prediction published since the last read. */
    List<Prediction> readPredictions() throws Exception {
        return decodePredictions(predictions.readValuesToList());
    }

    /** Reads and decodes every challenger prediction published since the last read. */
    List<Prediction> readShadowPredictions() throws Exception {
        return decodePredictions(shadow().readValuesToList());
    }

    /** Reads and decodes every dead letter published since the last read. */
    List<DeadLetter> readDeadLetters() throws Exception {
        List<DeadLetter> out = new ArrayList<>();
        for (byte[] v : deadLetters.readValuesToList()) {
            out.add(WireCodec.decodeDeadLetter(v));
        }
        return out;
    }

    static List<Prediction> decodePredictions(List<byte[]> values) throws Exception {
        List<Prediction> out = new ArrayList<>();
        for (byte[] v : values) {
            out.add(WireCodec.decodePrediction(v));
        }
        return out;
    }

    /**
     * The sum of the counters {@code name} tagged {@code tag=value} the processors counted into (the
     * harness's own registry when it was given {@link StreamlearnMeters#noop()}); 0 when there are none.
     */
    double count(String name, String tag, String value) {
        return meters.registry().find(name).tag(tag, value).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** Closes the driver (and its stores). */
    @Override
    public void close() {
        driver.close();
    }
}
