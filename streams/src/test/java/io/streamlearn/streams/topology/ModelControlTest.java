package io.streamlearn.streams.topology;

import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code model-control} topic: scope resolution, live changes, malformed records. */
class ModelControlTest {

    private static final String CONFIGURED = "sgd:lr=0.5";

    @TempDir
    Path stateDir;

    private final SkippedRecords skipped = new SkippedRecords();
    private TopologyHarness harness;
    private AppConfig config;
    private long ts = 1000;

    private void start() {
        config = TopologyHarness.config(CONFIGURED);
        harness = new TopologyHarness(config, stateDir, skipped);
    }

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private void control(String scope, String json) {
        harness.control(scope, json);
    }

    private void event(String key, Double label) {
        ts++;
        harness.event(key, key + "-" + ts, ts, "{\"x1\":1,\"x2\":1}", label);
    }

    private static List<Prediction> read(TestOutputTopic<String, byte[]> topic) throws Exception {
        return TopologyHarness.decodePredictions(topic.readValuesToList());
    }

    /** The champion model of one event of {@code key} (and checks the challengers on the shadow topic). */
    private String champion(String key, String... challengers) throws Exception {
        event(key, null);
        List<Prediction> p = read(harness.predictions);
        assertEquals(1, p.size());
        assertEquals(List.of(challengers), read(harness.shadow()).stream().map(Prediction::getModel).toList(), "challengers of " + key);
        return p.get(0).getModel();
    }

    @Test
    void shouldResolveTheMostSpecificScope() throws Exception {
        start();
        assertEquals(CONFIGURED, champion("sensor-17"), "no control record: the configured models");
        control("default", "{\"scope\":\"default\",\"models\":[\"sgd:lr=0.1\"]}");
        control("prefix:sensor-", "{\"scope\":\"prefix:sensor-\",\"models\":[\"kalman:q=1e-4\",\"sgd:lr=0.2\"],\"champion\":\"sgd:lr=0.2\"}");
        control("prefix:sensor-1", "{\"models\":[\"sgd:lr=0.3\"]}");
        control("key:sensor-17", "{\"scope\":\"key:sensor-17\",\"models\":[\"sgd:lr=0.4\",\"kalman:q=1e-3\"]}");

        assertEquals("sgd:lr=0.4", champion("sensor-17", "kalman:q=1e-3"), "key scope first; champion defaults to the first model");
        assertEquals("sgd:lr=0.3", champion("sensor-18"), "longest prefix");
        assertEquals("sgd:lr=0.2", champion("sensor-2", "kalman:q=1e-4"), "the named champion comes first");
        assertEquals("sgd:lr=0.1", champion("pump-1"), "default");

        control("key:sensor-17", null);
        assertEquals("sgd:lr=0.3", champion("sensor-17"), "a tombstone removes the scope");
        control("default", null);
        assertEquals(CONFIGURED, champion("pump-1"), "back to the configured models");
        assertEquals(0, skipped.total());
    }

    @Test
    void shouldStartTheNewModelFreshAndLeaveTheOldStateInTheStore() throws Exception {
        start();
        event("a", 1.0);
        event("a", 1.0);
        List<Prediction> before = read(harness.predictions);
        assertEquals(List.of(0L, 1L), before.stream().map(Prediction::getVersion).toList());
        control("key:a", "{\"models\":[\"sgd:lr=0.05\"]}");
        event("a", 1.0);
        Prediction after = read(harness.predictions).get(0);
        assertEquals("sgd:lr=0.05", after.getModel());
        assertEquals(0L, after.getVersion(), "the new model starts fresh");
        assertEquals(0.0, after.getPrediction());
        KeyValueStore<String, byte[]> store = harness.modelStore();
        assertNotNull(store.get(ModelStore.storeKey("a", CONFIGURED)), "the old model's state is kept");
        control("key:a", null);
        event("a", null);
        Prediction back = read(harness.predictions).get(0);
        assertEquals(CONFIGURED, back.getModel());
        assertEquals(2L, back.getVersion(), "switching back resumes the kept state");
    }

    @Test
    void shouldLearnADelayedLabelWithEveryModelOfTheKeysCurrentSet() throws Exception {
        start();
        control("key:a", "{\"models\":[\"sgd:lr=0.1\",\"sgd:lr=0.2\"]}");
        event("a", null);
        String id = "a-" + ts;
        read(harness.predictions);
        read(harness.shadow());
        harness.labels.pipeInput("a", ("{\"id\":\"" + id + "\",\"key\":\"a\",\"ts\":" + (ts + 5) + ",\"label\":3}").getBytes(StandardCharsets.UTF_8));
        event("a", null);
        assertEquals(1L, read(harness.predictions).get(0).getVersion());
        assertEquals(1L, read(harness.shadow()).get(0).getVersion(), "the challenger learned the late label too");
    }

    @Test
    void shouldIgnoreAndCountMalformedControlRecords() throws Exception {
        start();
        control("prefix:s", "{\"models\":[\"sgd:lr=0.2\"]}");
        List<String[]> bad = List.of(
                new String[]{"prefix:s", "{not json"},
                new String[]{"region:s", "{\"models\":[\"sgd:lr=0.3\"]}"},
                new String[]{"prefix:", "{\"models\":[\"sgd:lr=0.3\"]}"},
                new String[]{"prefix:s", "{\"models\":[\"nosuchlearner\"]}"},
                new String[]{"prefix:s", "{\"models\":[\"sgd:lr=0.3\"],\"champion\":\"sgd:lr=0.9\"}"},
                new String[]{"prefix:s", "{\"scope\":\"prefix:t\",\"models\":[\"sgd:lr=0.3\"]}"},
                new String[]{"prefix:s", "{\"models\":[]}"},
                new String[]{"prefix:s", "{\"models\":[\"sgd:lr=0.3\",\"sgd:lr=0.3\"]}"},
                new String[]{"prefix:s", "[1,2]"});
        for (String[] b : bad) {
            control(b[0], b[1]);
            assertEquals("sgd:lr=0.2", champion("s-1"), "nothing changed after " + b[0] + " " + b[1]);
        }
        assertEquals(bad.size(), skipped.count(ModelControl.BAD_CONTROL));

        // Each is dead-lettered once, by task 0's punctuator, with its scope, raw bytes and offset.
        TestOutputTopic<String, byte[]> deadLetters = harness.deadLetters;
        harness.driver.advanceWallClockTime(java.time.Duration.ofSeconds(2));
        List<io.streamlearn.schemas.DeadLetter> letters = new ArrayList<>();
        for (byte[] v : deadLetters.readValuesToList()) {
            letters.add(WireCodec.decodeDeadLetter(v));
        }
        assertEquals(bad.size(), letters.size());
        for (int i = 0; i < bad.size(); i++) {
            io.streamlearn.schemas.DeadLetter d = letters.get(i);
            assertEquals(ModelControl.BAD_CONTROL, d.getReason());
            assertEquals(config.controlTopic(), d.getTopic());
            assertEquals(i + 1L, d.getOffset(), "offset of the bad record (the good one is offset 0)");
            assertEquals(bad.get(i)[0], d.getKey());
            byte[] raw = new byte[d.getValue().remaining()];
            d.getValue().duplicate().get(raw);
            assertEquals(bad.get(i)[1], new String(raw, StandardCharsets.UTF_8));
            assertNotNull(d.getDetail());
        }
        harness.driver.advanceWallClockTime(java.time.Duration.ofSeconds(2));
        assertTrue(deadLetters.isEmpty(), "never twice");
    }

    @Test
    void shouldParseAControlRecordChampionFirst() throws Exception {
        List<String> specs = ModelControl.parse("key:k",
                "{\"models\":[\"sgd:lr=0.1\",\"kalman:q=1e-4\",\"sgd:lr=0.2\"],\"champion\":\"kalman:q=1e-4\"}".getBytes(StandardCharsets.UTF_8), 2);
        assertEquals(List.of("kalman:q=1e-4", "sgd:lr=0.1", "sgd:lr=0.2"), specs);
        assertThrows(ModelControl.BadControlException.class,
                () -> ModelControl.parse("key:", "{\"models\":[\"sgd\"]}".getBytes(StandardCharsets.UTF_8), 2));
        assertTrue(ModelControl.validScope("default"));
        assertTrue(!ModelControl.validScope("defaults"));
    }
}
