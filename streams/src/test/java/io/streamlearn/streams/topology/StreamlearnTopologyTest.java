package io.streamlearn.streams.topology;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamlearnTopologyTest {

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private final SkippedRecords skipped = new SkippedRecords();
    private final StreamlearnMeters meters = StreamlearnMeters.withoutErrors(new SimpleMeterRegistry());
    private TestInputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> predictions;
    private TestOutputTopic<String, byte[]> deadLetters;

    private static AppConfig config(String format) {
        return AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, "unused:9092")
                .with(AppConfig.FEATURES_KEY, "x1,x2")
                .with(AppConfig.MODELS_KEY, "sgd:lr=0.5")
                .with(AppConfig.OUTPUT_FORMAT_KEY, format);
    }

    private void start(AppConfig config, KeyValueBytesStoreSupplier store) {
        Topology topology = StreamlearnTopology.build(config.topologySettings().withSkipped(skipped).withMeters(meters).withModelStore(store));
        Properties props = StreamlearnApp.streamsProperties(config, skipped);
        props.put("state.dir", stateDir.toString());
        driver = new TopologyTestDriver(topology, props);
        events = driver.createInputTopic(config.eventsTopic(), new StringSerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic(config.predictionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(config.deadLettersTopic(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private void start(AppConfig config) {
        start(config, Stores.inMemoryKeyValueStore(config.storeName()));
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Event event(String id, String key, long ts, double x1, double x2, Double label) {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("x1", x1);
        f.put("x2", x2);
        return Event.newBuilder().setId(id).setKey(key).setTs(ts).setFeatures(f).setLabel(label).build();
    }

    private static Prediction prediction(byte[] bytes) throws Exception {
        return WireCodec.decodePrediction(bytes);
    }

    private List<Prediction> readPredictions() throws Exception {
        List<Prediction> out = new ArrayList<>();
        for (KeyValue<String, byte[]> kv : predictions.readKeyValuesToList()) {
            Prediction p = prediction(kv.value);
            assertEquals(p.getKey(), kv.key, "the output record key is the entity key");
            out.add(p);
        }
        return out;
    }

    private List<DeadLetter> readDeadLetters() throws Exception {
        List<DeadLetter> out = new ArrayList<>();
        for (byte[] v : deadLetters.readValuesToList()) {
            out.add(WireCodec.decodeDeadLetter(v));
        }
        return out;
    }

    @Test
    void shouldPredictEveryEventAndCountUpdatesOnlyForLabelledOnes() throws Exception {
        start(config("json"));
        events.pipeInput("a", json("{\"id\":\"e1\",\"key\":\"a\",\"ts\":1000,\"features\":{\"x1\":1,\"x2\":2},\"label\":3}"));
        events.pipeInput("a", json("{\"id\":\"e2\",\"key\":\"a\",\"ts\":2000,\"features\":{\"x1\":1,\"x2\":2}}"));
        events.pipeInput("a", json("{\"id\":\"e3\",\"key\":\"a\",\"ts\":3000,\"features\":{\"x1\":1,\"x2\":2},\"label\":3}"));
        events.pipeInput("b", json("{\"id\":\"e4\",\"key\":\"b\",\"ts\":4000,\"features\":{\"x1\":1,\"x2\":2},\"label\":3}"));
        events.pipeInput("a", json("{\"id\":\"e5\",\"key\":\"a\",\"ts\":5000,\"features\":{\"x1\":1,\"x2\":2}}"));

        List<Prediction> p = readPredictions();
        assertEquals(List.of("e1", "e2", "e3", "e4", "e5"), p.stream().map(Prediction::getId).toList());
        assertEquals(List.of(0L, 1L, 1L, 0L, 2L), p.stream().map(Prediction::getVersion).toList(),
                "version = the key's update count when it scored; unlabelled events do not update");
        assertEquals(0.0, p.get(0).getPrediction(), "a fresh model predicts 0");
        assertEquals(0.0, p.get(3).getPrediction(), "key b has its own, fresh model");
        assertTrue(p.get(1).getPrediction() > 0, "after one label of 3 the model moved up");
        assertEquals(p.get(1).getPrediction(), p.get(2).getPrediction(), "an unlabelled event changes nothing");
        assertEquals(3.0, p.get(0).getLabel());
        assertNull(p.get(1).getLabel());
        assertEquals("sgd:lr=0.5", p.get(0).getModel());
        assertEquals(1000L, p.get(0).getTs());
        assertNull(p.get(0).getStddev(), "SGD has no predictive stddev");
        assertTrue(deadLetters.isEmpty());
        assertEquals(0, skipped.total());
    }

    @Test
    void shouldLearnEachKeysOwnLinearRelation() throws Exception {
        start(config("avro"));
        // y_a = 2 x1 - x2 + 1, y_b = -x1 + 3 x2; x cycles through a fixed design.
        double[][] xs = {{1, 0}, {0, 1}, {1, 1}, {-1, 2}, {2, -1}, {0.5, 0.5}, {-1, -1}};
        int n = 700;
        for (int i = 0; i < n; i++) {
            double[] x = xs[i % xs.length];
            String key = i % 2 == 0 ? "a" : "b";
            double y = key.equals("a") ? 2 * x[0] - x[1] + 1 : -x[0] + 3 * x[1];
            events.pipeInput(key, WireCodec.encode(event("e" + i, key, i, x[0], x[1], y), WireFormat.AVRO));
        }
        List<Prediction> p = readPredictions();
        assertEquals(n, p.size());
        double first = 0;
        double last = 0;
        for (int i = 0; i < n; i++) {
            double e = p.get(i).getPrediction() - p.get(i).getLabel();
            if (i < 100) {
                first += e * e;
            } else if (i >= n - 100) {
                last += e * e;
            }
        }
        assertTrue(last < first / 50, "error of the last 100 (" + last + ") should be far below the first 100's (" + first + ")");
        long lastVersionOfA = p.stream().filter(q -> q.getKey().equals("a")).mapToLong(Prediction::getVersion).max().orElseThrow();
        assertEquals(n / 2 - 1, lastVersionOfA, "versions count a's updates");
    }

    @Test
    void shouldDeadLetterEachBadInputKindWithItsReasonAndKeepGoing() throws Exception {
        start(config("json"));
        byte[] valid = json("{\"id\":\"ok\",\"key\":\"a\",\"ts\":1,\"features\":{\"x1\":1,\"x2\":1},\"label\":1}");
        byte[] avro = WireCodec.encode(event("av", "a", 1, 1, 1, 1.0), WireFormat.AVRO);
        Map<String, KeyValue<String, byte[]>> bad = new LinkedHashMap<>();
        bad.put("malformed-json", KeyValue.pair("a", json("{\"id\":\"x\",\"key\":")));
        bad.put("malformed-avro", KeyValue.pair("a", Arrays.copyOf(avro, avro.length - 5)));
        bad.put("unknown-format", KeyValue.pair("a", json("hello")));
        bad.put("empty", KeyValue.pair("a", new byte[0]));
        bad.put("wrong-type", KeyValue.pair("a", json("{\"key\":\"a\",\"ts\":1,\"features\":{\"x1\":\"warm\"}}")));
        bad.put("missing-field", KeyValue.pair("a", json("{\"key\":\"a\",\"features\":{\"x1\":1}}")));
        bad.put("non-finite-feature", KeyValue.pair("a", json("{\"key\":\"a\",\"ts\":1,\"features\":{\"x1\":\"NaN\"}}")));
        bad.put("absurd-feature", KeyValue.pair("a", json("{\"key\":\"a\",\"ts\":1,\"features\":{\"x2\":1e200}}")));
        bad.put("non-finite-label", KeyValue.pair("a", json("{\"key\":\"a\",\"ts\":1,\"features\":{\"x1\":1},\"label\":\"Infinity\"}")));
        bad.put("missing-key", KeyValue.pair(null, json("{\"key\":\"\",\"ts\":1,\"features\":{\"x1\":1}}")));
        bad.put("key-mismatch", KeyValue.pair("b", json("{\"key\":\"a\",\"ts\":1,\"features\":{\"x1\":1}}")));
        bad.put("invalid-key", KeyValue.pair(null, json("{\"key\":\"a\\u0000b\",\"ts\":1,\"features\":{\"x1\":1}}")));

        events.pipeInput("a", valid);
        for (KeyValue<String, byte[]> kv : bad.values()) {
            events.pipeInput(kv.key, kv.value);
            events.pipeInput("a", valid);
        }

        List<DeadLetter> letters = readDeadLetters();
        assertEquals(new ArrayList<>(bad.keySet()), letters.stream().map(DeadLetter::getReason).toList());
        int i = 0;
        for (KeyValue<String, byte[]> kv : bad.values()) {
            DeadLetter d = letters.get(i++);
            assertEquals("events", d.getTopic());
            assertEquals(0, d.getPartition());
            assertEquals(2L * i - 1, d.getOffset(), "offset of the bad record in the input");
            assertEquals(kv.key, d.getKey());
            assertArrayEquals(kv.value, bytes(d.getValue()), "the raw bytes are kept");
            assertNotNull(d.getDetail());
        }
        List<Prediction> p = readPredictions();
        assertEquals(bad.size() + 1, p.size(), "every valid event is still predicted");
        for (int k = 0; k < p.size(); k++) {
            assertEquals(k, p.get(k).getVersion(), "bad records never touched the model");
        }
        for (String reason : bad.keySet()) {
            assertEquals(1, skipped.count(reason), reason);
            assertEquals(1.0, count("streamlearn.dead.letters", "reason", reason), reason);
        }
        assertEquals(bad.size(), skipped.total());
        assertEquals(bad.size() + 1.0, count("streamlearn.predictions", "role", "champion"));
    }

    private double count(String name, String tag, String value) {
        return meters.registry().find(name).tag(tag, value).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void shouldDeadLetterAnExplicitNaNLabelRatherThanTreatItAsUnlabelled() throws Exception {
        start(config("avro"));
        events.pipeInput("a", WireCodec.encode(event("n", "a", 1, 1, 1, Double.NaN), WireFormat.AVRO));
        List<DeadLetter> letters = readDeadLetters();
        assertEquals(1, letters.size());
        assertEquals("non-finite-label", letters.get(0).getReason());
        assertTrue(predictions.isEmpty());
    }

    @Test
    void shouldTakeTheEventsKeyWhenTheRecordHasNone() throws Exception {
        start(config("json"));
        events.pipeInput((String) null, json("{\"key\":\"dev-9\",\"ts\":5,\"features\":{\"x1\":1},\"label\":2}"));
        events.pipeInput("dev-9", json("{\"key\":\"dev-9\",\"ts\":6,\"features\":{\"x1\":1}}"));
        List<KeyValue<String, byte[]>> out = predictions.readKeyValuesToList();
        assertEquals(2, out.size());
        assertEquals("dev-9", out.get(0).key);
        assertEquals("dev-9@5", prediction(out.get(0).value).getId(), "the codec's default id");
        assertEquals(1L, prediction(out.get(1).value).getVersion(), "both records updated the same model");
    }

    @Test
    void shouldSkipARecordWhoseProcessingFailsUnexpectedlyAndKeepGoing() throws Exception {
        AppConfig config = config("json");
        // A store that fails on reading one key: an error the processor does not expect (not bad input).
        KeyValueBytesStoreSupplier failing = new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return config.storeName();
            }

            @Override
            public KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> get() {
                return new org.apache.kafka.streams.state.internals.InMemoryKeyValueStore(name()) {
                    @Override
                    public synchronized byte[] get(org.apache.kafka.common.utils.Bytes key) {
                        if (new String(key.get(), StandardCharsets.UTF_8).startsWith("boom")) {
                            throw new IllegalStateException("disk on fire");
                        }
                        return super.get(key);
                    }
                };
            }

            @Override
            public String metricsScope() {
                return "in-memory";
            }
        };
        start(config, failing);
        events.pipeInput("a", json("{\"key\":\"a\",\"ts\":1,\"features\":{\"x1\":1},\"label\":2}"));
        events.pipeInput("boom", json("{\"key\":\"boom\",\"ts\":2,\"features\":{\"x1\":1},\"label\":2}"));
        events.pipeInput("a", json("{\"key\":\"a\",\"ts\":3,\"features\":{\"x1\":1},\"label\":2}"));
        List<Prediction> p = readPredictions();
        assertEquals(List.of("a", "a"), p.stream().map(Prediction::getKey).toList(), "the failing record is skipped, the next one scored");
        assertEquals(1L, p.get(1).getVersion());
        assertEquals(1, skipped.count(io.streamlearn.streams.publish.ContinueOnProcessingError.REASON));
        assertTrue(deadLetters.isEmpty(), "unexpected errors are counted and logged, not dead-lettered");
    }

    @Test
    void shouldSendChallengersToTheShadowTopic() throws Exception {
        AppConfig config = config("json").with(AppConfig.MODELS_KEY, "sgd:lr=0.5;sgd:lr=0.01");
        start(config);
        TestOutputTopic<String, byte[]> shadow = driver.createOutputTopic(config.shadowPredictionsTopic(),
                new StringDeserializer(), new ByteArrayDeserializer());
        events.pipeInput("a", json("{\"key\":\"a\",\"ts\":1,\"features\":{\"x1\":1},\"label\":2}"));
        events.pipeInput("a", json("{\"key\":\"a\",\"ts\":2,\"features\":{\"x1\":1},\"label\":2}"));
        List<Prediction> champion = readPredictions();
        List<Prediction> challenger = new ArrayList<>();
        for (byte[] v : shadow.readValuesToList()) {
            challenger.add(prediction(v));
        }
        assertEquals(2, champion.size());
        assertEquals(2, challenger.size());
        assertTrue(champion.stream().allMatch(q -> q.getModel().equals("sgd:lr=0.5")));
        assertTrue(challenger.stream().allMatch(q -> q.getModel().equals("sgd:lr=0.01")));
        assertTrue(champion.get(1).getPrediction() > challenger.get(1).getPrediction(),
                "the larger learning rate moved further towards the label");
        @SuppressWarnings("unchecked")
        KeyValueStore<String, byte[]> store = (KeyValueStore<String, byte[]>) (KeyValueStore<?, ?>) driver.getKeyValueStore(config.storeName());
        assertNotNull(store.get(io.streamlearn.state.ModelStore.storeKey("a", "sgd:lr=0.5")));
        assertNotNull(store.get(io.streamlearn.state.ModelStore.storeKey("a", "sgd:lr=0.01")));
    }

    @Test
    void shouldKeepStateInThePersistentRocksDbStoreByDefault() throws Exception {
        AppConfig config = config("json");
        Topology topology = StreamlearnTopology.build(config.topologySettings().withSkipped(skipped));
        Properties props = StreamlearnApp.streamsProperties(config, skipped);
        props.put("state.dir", stateDir.toString());
        driver = new TopologyTestDriver(topology, props);
        events = driver.createInputTopic(config.eventsTopic(), new StringSerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic(config.predictionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        for (int i = 0; i < 3; i++) {
            events.pipeInput("a", json("{\"key\":\"a\",\"ts\":" + i + ",\"features\":{\"x1\":1},\"label\":2}"));
        }
        assertEquals(List.of(0L, 1L, 2L), readPredictions().stream().map(Prediction::getVersion).toList());
        assertTrue(driver.getKeyValueStore(config.storeName()).persistent(), "RocksDB");
    }

    @Test
    void shouldRefuseAStoreSupplierWithAnotherName() {
        AppConfig config = config("json");
        assertThrows(IllegalArgumentException.class,
                () -> StreamlearnTopology.build(config.topologySettings().withModelStore(Stores.inMemoryKeyValueStore("other"))));
    }

    @Test
    void shouldDescribeTheRouteWithNamedNodes() {
        String d = StreamlearnTopology.build(config("json").with(AppConfig.CONTROL_TOPIC_KEY, "").topologySettings()
                .withModelStore(Stores.inMemoryKeyValueStore("models"))).describe().toString();
        for (String name : List.of(StreamlearnTopology.SOURCE, StreamlearnTopology.SCORE, StreamlearnTopology.PREDICTIONS_SINK,
                StreamlearnTopology.DEAD_LETTERS_SINK, "models")) {
            assertTrue(d.contains(name), name + " in " + d);
        }
        assertTrue(!d.contains(StreamlearnTopology.SHADOW_SINK), "no shadow sink with one model and no control topic");
    }
}
