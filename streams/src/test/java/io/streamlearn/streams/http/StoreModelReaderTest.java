package io.streamlearn.streams.http;

import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.StateCodec;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader on a real persistent (RocksDB), cached Kafka Streams store, driven by TopologyTestDriver. */
class StoreModelReaderTest {

    /** Plain AdaGrad: its weights are read out as w.x + b (SgdLearner's layout [w, b, G, G_b]). */
    private static final String SGD = "sgd:step=adagrad,lr=0.1";
    private static final String SGD2 = "sgd:step=adagrad,lr=0.5";

    private TopologyTestDriver driver;
    private KeyValueStore<String, byte[]> store;
    private final FeatureSpace space = FeatureSpace.ordered(List.of("a", "b"));
    private final StoreModelReader reader = new StoreModelReader(space, List.of(SGD, SGD2));

    @BeforeEach
    void setUp() {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("models"), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()); // as in the topology; the cache's prefixScan has its own edge cases
        b.stream("events", org.apache.kafka.streams.kstream.Consumed.with(Serdes.String(), Serdes.String()))
                .process(() -> new Processor<String, String, Void, Void>() {
                    @Override
                    public void process(Record<String, String> record) {
                    }
                }, "models");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "reader-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(b.build(), p);
        store = driver.getKeyValueStore("models");
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    /** A state learned from {@code n} events y = 2a - b + 1 at times 1000, 2000, ... */
    private static ModelState learned(Learner learner, int n) {
        ModelState s = learner.newState();
        for (int i = 1; i <= n; i++) {
            double a = i % 3, bb = i % 5;
            learner.learn(s, new double[] {a, bb}, 1000L * i, 2 * a - bb + 1);
        }
        return s;
    }

    private void put(String key, String model, int n) {
        Learner l = Learners.create(model, 2);
        store.put(ModelStore.storeKey(key, model), StateCodec.encode(l, learned(l, n)));
    }

    @Test
    void shouldDecodeEveryStoredModelOfAKeyAndNotItsNeighbours() {
        put("a", SGD, 3);
        put("a", SGD2, 4);
        put("a1", SGD, 7);
        put("b", SGD, 1);
        List<ModelQueries.ModelView> views = reader.models(store, "a");
        assertEquals(2, views.size());
        assertEquals(SGD, views.get(0).model());
        assertTrue(views.get(0).champion());
        assertEquals(3, views.get(0).version());
        assertEquals(3000L, views.get(0).lastEventTime());
        Learner l = Learners.create(SGD, 2);
        ModelState expected = learned(l, 3);
        Map<String, double[]> inspected = l.inspect(expected);
        assertEquals(inspected.keySet(), views.get(0).state().keySet());
        for (String name : inspected.keySet()) {
            assertArrayEquals(inspected.get(name), views.get(0).state().get(name), 0.0);
        }
        assertEquals(SGD2, views.get(1).model());
        assertFalse(views.get(1).champion());
        assertEquals(4, views.get(1).version());
        assertTrue(reader.models(store, "c").isEmpty());
    }

    @Test
    void shouldReportStatesItCannotReadInsteadOfFailing() {
        Learner other = Learners.create("sgd:step=adagrad,lr=0.9", 2);
        store.put(ModelStore.storeKey("k", SGD), StateCodec.encode(other, learned(other, 2))); // another spec's bytes
        store.put(ModelStore.storeKey("k", "retired"), StateCodec.encode(other, learned(other, 5)));
        List<ModelQueries.ModelView> views = reader.models(store, "k");
        assertEquals(2, views.size());
        assertNotNull(views.get(0).error());
        assertTrue(views.get(0).state().isEmpty());
        assertEquals("retired", views.get(1).model());
        assertNull(views.get(1).spec());
        assertEquals(5, views.get(1).version());
    }

    @Test
    void shouldListDistinctEntityKeysByPrefixUpToTheLimit() {
        for (String k : List.of("dev-1", "dev-2", "dev-10", "host-1", "dev-3")) {
            put(k, SGD, 1);
            put(k, SGD2, 1);
        }
        ModelQueries.KeyPage all = reader.keys(store, "dev-", 10);
        assertEquals(List.of("dev-1", "dev-10", "dev-2", "dev-3"), all.keys());
        assertFalse(all.truncated());
        ModelQueries.KeyPage two = reader.keys(store, "dev-", 2);
        assertEquals(List.of("dev-1", "dev-10"), two.keys());
        assertTrue(two.truncated());
        assertEquals(5, reader.keys(store, "", 100).keys().size());
        assertTrue(reader.keys(store, "zzz", 100).keys().isEmpty());
    }

    @Test
    void shouldScoreWithTheStoredWeightsWithoutLearning() {
        put("k", SGD, 6);
        byte[] before = store.get(ModelStore.storeKey("k", SGD));
        ModelQueries.ScoreResult r = reader.score(store, "k", Map.of("a", 1.5, "b", -2.0, "c", 9.0), null);
        assertEquals(1, r.unknownFeatures());
        // Independent readout of sgd's layout [w_a, w_b, b, ...]: w.x + b.
        ModelState s = learned(Learners.create(SGD, 2), 6);
        double[] v = s.values();
        assertEquals(v[0] * 1.5 + v[1] * -2.0 + v[2], r.scores().get(0).mean(), 1e-12);
        assertEquals(6, r.scores().get(0).version());
        assertFalse(r.scores().get(0).fresh());
        assertTrue(Double.isNaN(r.scores().get(0).stddev()));
        // The second model has no state for k: a fresh state predicts 0.
        assertTrue(r.scores().get(1).fresh());
        assertEquals(0.0, r.scores().get(1).mean(), 0.0);
        assertArrayEquals(before, store.get(ModelStore.storeKey("k", SGD)), "scoring stores nothing");
        assertNull(store.get(ModelStore.storeKey("k", SGD2)));
        assertThrows(InvalidInputException.class, () -> reader.score(store, "k", Map.of("a", Double.NaN), null));
    }
}
