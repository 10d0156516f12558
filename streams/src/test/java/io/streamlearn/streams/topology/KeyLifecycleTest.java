package io.streamlearn.streams.topology;

import io.streamlearn.streams.housekeeping.KeyLifecycle;
import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.streams.score.PopulationPriors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Key life cycle in the topology: TTL eviction, forget requests, the max-keys guard. */
class KeyLifecycleTest {

    private static final String MODEL = "sgd:lr=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path stateDir;

    private final SkippedRecords skipped = new SkippedRecords();
    private TopologyHarness harness;
    private TestOutputTopic<String, byte[]> acks;
    private KeyValueStore<String, byte[]> models;
    private KeyValueStore<String, byte[]> pending;

    private void start(Map<String, String> settings, int eventPartitions) {
        AppConfig config = TopologyHarness.config(MODEL, settings);
        harness = new TopologyHarness(config, stateDir, skipped, () -> eventPartitions, StreamlearnMeters.noop());
        acks = harness.forgetAcks();
        models = harness.modelStore();
        pending = harness.pendingStore();
    }

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private void event(String key, String id, long ts, Double label) {
        harness.event(key, id, ts, "{\"x1\":1,\"x2\":2}", label);
    }

    private void label(String key, String id, long ts, double label) {
        harness.label(key, id, ts, label);
    }

    private static List<String> keysWithPrefix(KeyValueStore<String, byte[]> store, String prefix) {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, new StringSerializer())) {
            it.forEachRemaining(kv -> out.add(kv.key));
        }
        return out;
    }

    private double count(String name, String tag, String value) {
        return harness.count(name, tag, value);
    }

    private List<String> tombstones() {
        List<String> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : harness.changelog.readRecordsToList()) {
            if (r.value() == null) {
                out.add(r.key());
            }
        }
        return out;
    }

    @Test
    void shouldEvictKeysIdleForLongerThanTheTtlAndWriteTombstones() {
        start(Map.of(AppConfig.KEY_TTL_KEY, "10s"), 1);
        event("old", "o1", 1_000, 1.0);
        event("fresh", "f1", 1_000, 1.0);
        event("fresh", "f2", 20_000, 2.0);   // clock 20 s: "old" last seen 19 s ago, more than the TTL
        assertNotNull(models.get(ModelStore.storeKey("old", MODEL)));
        harness.changelog.readRecordsToList();

        harness.driver.advanceWallClockTime(harness.config.labelSweepInterval());

        assertNull(models.get(ModelStore.storeKey("old", MODEL)), "the idle key's state is deleted");
        assertNotNull(models.get(ModelStore.storeKey("fresh", MODEL)), "a key seen within the TTL stays");
        assertEquals(List.of(ModelStore.storeKey("old", PopulationPriors.CONTRIBUTION + MODEL), ModelStore.storeKey("old", MODEL)),
                tombstones(), "tombstones in the models changelog: its contribution to the population prior, its state");
        assertEquals(1.0, count("streamlearn.evictions", "cause", "ttl"));

        event("old", "o2", 21_000, null);   // an evicted key that comes back starts a new model
        assertEquals(1, harness.predictions.readValuesToList().size() - 3);
    }

    @Test
    void shouldBoundTheTtlScanPerPunctuationAndResume() {
        start(Map.of(AppConfig.KEY_TTL_KEY, "1s"), 1);
        int keys = KeyLifecycle.SCAN_BATCH + 500;
        for (int i = 0; i < keys; i++) {
            event(String.format("k%05d", i), "e" + i, 1_000, 1.0);
        }
        event("clock", "c", 100_000, 1.0);   // moves the clock; every other key is idle
        harness.driver.advanceWallClockTime(harness.config.labelSweepInterval());
        long left = keysWithPrefix(models, "k").size();
        assertTrue(left >= 500 && left < keys, "one punctuation reads at most SCAN_BATCH keys, left " + left);
        harness.driver.advanceWallClockTime(harness.config.labelSweepInterval());
        assertEquals(0, keysWithPrefix(models, "k").size(), "the next punctuation resumes where the first stopped");
        assertNotNull(models.get(ModelStore.storeKey("clock", MODEL)));
        assertEquals(keys, count("streamlearn.evictions", "cause", "ttl"));
    }

    @Test
    void shouldForgetAKeyItsPendingEventsAndAcknowledge() throws Exception {
        start(Map.of(), 1);
        event("u1", "a", 1_000, 1.0);
        event("u1", "b", 2_000, null);
        event("u1", "c", 3_000, null);
        event("u2", "d", 3_000, null);
        event("u2", "e", 3_000, 1.0);
        harness.predictions.readValuesToList();
        harness.changelog.readRecordsToList();

        harness.control("forget:u1", "{}");
        harness.driver.advanceWallClockTime(Duration.ofSeconds(1));

        assertNull(models.get(ModelStore.storeKey("u1", MODEL)));
        assertEquals(List.of(), keysWithPrefix(pending, PendingLabels.entryKey("u1", "")), "pending events removed");
        assertNotNull(models.get(ModelStore.storeKey("u2", MODEL)), "other keys untouched");
        assertEquals(1, keysWithPrefix(pending, PendingLabels.entryKey("u2", "")).size());
        assertEquals(List.of(ModelStore.storeKey("u1", PopulationPriors.CONTRIBUTION + MODEL), ModelStore.storeKey("u1", MODEL)),
                tombstones());
        assertEquals(1L, PopulationPriors.decode(models.get(ModelStore.storeKey("\u0000population", MODEL))).keys(),
                "only u2 contributes to the task's population now");

        List<KeyValue<String, byte[]>> ack = acks.readKeyValuesToList();
        assertEquals(1, ack.size());
        assertEquals("u1", ack.get(0).key);
        JsonNode body = JSON.readTree(ack.get(0).value);
        assertEquals("u1", body.get("key").asText());
        assertEquals(3, body.get("removed").asInt(), "one model state and two pending events");
        assertTrue(body.get("time").asLong() > 0);

        harness.driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertTrue(acks.isEmpty(), "a request is carried out once");

        label("u1", "b", 3_500, 1.0);   // the forgotten pending event is unknown now
        DeadLetter letter = WireCodec.decodeDeadLetter(harness.deadLetters.readValuesToList().get(0));
        assertEquals(LabelJoin.UNKNOWN, letter.getReason());
        assertEquals(1.0, count("streamlearn.evictions", "cause", "forget"));
    }

    @Test
    void shouldForgetOnlyInTheTaskThatOwnsTheKeysPartition() {
        start(Map.of(), 2);   // the driver runs task 0_0: it owns only the keys of partition 0
        String mine = null;
        String other = null;
        for (int i = 0; mine == null || other == null; i++) {
            String k = "user-" + i;
            // independent reference: the producer's own partitioner
            if (BuiltInPartitioner.partitionForKey(k.getBytes(StandardCharsets.UTF_8), 2) == 0) {
                mine = mine == null ? k : mine;
            } else {
                other = other == null ? k : other;
            }
        }
        event(mine, "m", 1_000, 1.0);
        event(other, "o", 1_000, 1.0);
        harness.control("forget:" + mine, "{}");
        harness.control("forget:" + other, "{}");
        harness.driver.advanceWallClockTime(Duration.ofSeconds(1));

        assertEquals(List.of(mine), acks.readKeyValuesToList().stream().map(kv -> kv.key).toList());
        assertNull(models.get(ModelStore.storeKey(mine, MODEL)));
        assertNotNull(models.get(ModelStore.storeKey(other, MODEL)), "the task of partition 1 forgets this one");
        for (int i = 0; i < 200; i++) {
            String k = "key-" + i;
            assertEquals(BuiltInPartitioner.partitionForKey(k.getBytes(StandardCharsets.UTF_8), 7), KeyLifecycle.partition(k, 7));
        }
    }

    @Test
    void shouldDeadLetterNewKeysOnlyBeyondMaxKeys() throws Exception {
        start(Map.of(AppConfig.MAX_KEYS_KEY, "2"), 1);
        event("a", "a1", 1_000, 1.0);
        event("b", "b1", 1_000, 1.0);
        event("c", "c1", 1_000, 1.0);   // the store holds 2 entries: no model for a new key
        event("a", "a2", 2_000, 2.0);   // existing keys keep working
        event("b", "b2", 2_000, null);

        assertEquals(List.of("a", "b", "a", "b"), harness.predictions.readKeyValuesToList().stream().map(kv -> kv.key).toList());
        List<byte[]> letters = harness.deadLetters.readValuesToList();
        assertEquals(1, letters.size());
        DeadLetter letter = WireCodec.decodeDeadLetter(letters.get(0));
        assertEquals(KeyLifecycle.MAX_KEYS, letter.getReason());
        assertEquals("c", letter.getKey());
        assertNull(models.get(ModelStore.storeKey("c", MODEL)));
        assertEquals(5L, models.approximateNumEntries(), "a and b, their contributions, the task's population");
        assertEquals(1.0, count("streamlearn.dead.letters", "reason", "max-keys"));
    }
}
