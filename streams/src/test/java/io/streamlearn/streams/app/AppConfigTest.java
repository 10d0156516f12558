package io.streamlearn.streams.app;

import io.streamlearn.schemas.wire.WireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppConfigTest {

    @TempDir
    Path dir;

    @Test
    void shouldDefaultToOneModelHashedFeaturesAvroAndExactlyOnce() {
        AppConfig c = AppConfig.defaults();
        assertEquals(List.of(AppConfig.DEFAULT_MODEL), c.models());
        assertTrue(c.featureSpace().isHashed());
        assertEquals(1 << AppConfig.DEFAULT_HASH_BITS, c.featureSpace().dimension());
        assertEquals(WireFormat.AVRO, c.outputFormat());
        assertEquals("exactly_once_v2", c.processingGuarantee());
        assertEquals("streamlearn", c.applicationId());
        assertNull(c.bootstrapServers());
        assertEquals(List.of("events", "labels", "predictions", "dead-letters", "predictions-shadow", "model-control", "forget-acks"), c.topics(),
                "the control topic may add challengers for any key, so the shadow topic is always there");
        assertEquals("models", c.storeName());
        assertEquals("pending-labels", c.pendingStoreName());
        assertEquals(java.time.Duration.ofDays(7), c.labelHorizon());
        assertEquals(java.time.Duration.ofMinutes(1), c.labelSweepInterval());
        assertEquals("model-control", c.controlTopic());
    }

    @Test
    void shouldReadDurationsWithUnitsOrIso8601AndRejectOthers() {
        assertEquals(java.time.Duration.ofHours(12), AppConfig.defaults().with(AppConfig.LABEL_HORIZON_KEY, "12h").labelHorizon());
        assertEquals(java.time.Duration.ofMillis(500), AppConfig.defaults().with(AppConfig.LABEL_HORIZON_KEY, "500ms").labelHorizon());
        assertEquals(java.time.Duration.ofSeconds(45), AppConfig.defaults().with(AppConfig.LABEL_SWEEP_INTERVAL_KEY, "45s").labelSweepInterval());
        assertEquals(java.time.Duration.ofMinutes(150), AppConfig.defaults().with(AppConfig.LABEL_HORIZON_KEY, "PT2H30M").labelHorizon());
        for (String bad : List.of("", "7 days", "-1h", "0s", "PT0S", "h")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> AppConfig.defaults().with(AppConfig.LABEL_HORIZON_KEY, bad), bad);
            assertTrue(e.getMessage().contains(AppConfig.LABEL_HORIZON_KEY), e.getMessage());
        }
    }

    @Test
    void shouldDisableTheControlTopicWhenEmpty() {
        AppConfig c = AppConfig.defaults().with(AppConfig.CONTROL_TOPIC_KEY, "");
        assertNull(c.controlTopic());
        assertEquals(List.of("events", "labels", "predictions", "dead-letters"), c.topics());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> AppConfig.defaults().with(AppConfig.PENDING_STORE_NAME_KEY, "models"));
    }

    @Test
    void shouldSplitModelsOnSemicolonsBecauseSpecsContainCommas() {
        AppConfig c = AppConfig.defaults().with(AppConfig.MODELS_KEY, "sgd:lr=0.1 ; sgd:lr=0.5");
        assertEquals(List.of("sgd:lr=0.1", "sgd:lr=0.5"), c.models());
        assertTrue(c.topics().contains("predictions-shadow"), "challengers need the shadow topic");
    }

    @Test
    void shouldReadAFileAndLetOverridesWin() throws Exception {
        Path f = dir.resolve("app.properties");
        Files.writeString(f, String.join("\n",
                "# comment",
                "bootstrap.servers=kafka:9092",
                "streamlearn.features=temp, load",
                "streamlearn.output.format=JSON",
                "streamlearn.topic.events=raw-events",
                "num.stream.threads=2"));
        AppConfig c = AppConfig.load(f).with(AppConfig.APPLICATION_ID_KEY, "app-2");
        assertEquals("kafka:9092", c.bootstrapServers());
        assertEquals(List.of("temp", "load"), c.featureSpace().names());
        assertEquals(WireFormat.JSON, c.outputFormat());
        assertEquals("raw-events", c.eventsTopic());
        assertEquals("app-2", c.applicationId());
        Map<String, String> kafka = c.kafkaSettings();
        assertEquals("2", kafka.get("num.stream.threads"));
        assertEquals("kafka:9092", kafka.get("bootstrap.servers"));
        assertFalse(kafka.keySet().stream().anyMatch(k -> k.startsWith("streamlearn.")), kafka.toString());
    }

    @Test
    void shouldLoadTheExampleDeployFile() throws Exception {
        Path example = Path.of("..", "deploy", "streamlearn.properties");
        AppConfig c = AppConfig.load(example);
        assertEquals(AppConfig.defaults().models(), c.models(), "the example runs the default model");
        for (String key : AppConfig.defaults().values().keySet()) {
            assertTrue(Files.readString(example).contains(key), "the example explains " + key);
        }
    }

    @Test
    void shouldReadTheSchemaRegistryAndConfluentOutputSettings() {
        AppConfig d = AppConfig.defaults();
        assertEquals(null, d.registry(), "no registry unless schema.registry.url is set");
        assertFalse(d.topologySettings().confluentOutput());
        assertMessage(AppConfig.SCHEMA_REGISTRY_URL_KEY, () -> d.with(AppConfig.OUTPUT_FORMAT_KEY, "confluent-avro"));
        assertMessage(AppConfig.SCHEMA_REGISTRY_URL_KEY, () -> d.with(AppConfig.SCHEMA_REGISTRY_URL_KEY, "registry:8081"));
        assertMessage("confluent-avro", () -> d.with(AppConfig.OUTPUT_FORMAT_KEY, "protobuf"));
        AppConfig c = d.with(AppConfig.SCHEMA_REGISTRY_URL_KEY, "http://a:8081,http://b:8081")
                .with("basic.auth.user.info", "u:p")
                .with(AppConfig.OUTPUT_FORMAT_KEY, "confluent-avro");
        assertTrue(c.confluentOutput());
        assertEquals(io.streamlearn.schemas.wire.WireFormat.AVRO, c.outputFormat(), "processors write single-object, sinks reframe");
        assertEquals(2, c.registry().urls().size());
        assertEquals("u:p", c.registry().userInfo());
        assertTrue(c.topologySettings().confluentOutput());
        assertEquals(c.registry(), c.topologySettings().registry());
    }

    @Test
    void shouldParseKeyLifecycleSettings() {
        AppConfig d = AppConfig.defaults();
        assertEquals(java.time.Duration.ZERO, d.keyTtl(), "TTL off by default");
        assertEquals(0L, d.maxKeys(), "no key limit by default");
        assertEquals("forget-acks", d.forgetAcksTopic());
        AppConfig c = d.with(AppConfig.KEY_TTL_KEY, "30d").with(AppConfig.MAX_KEYS_KEY, "1000");
        assertEquals(java.time.Duration.ofDays(30), c.keyTtl());
        assertEquals(1000L, c.maxKeys());
        assertMessage(AppConfig.KEY_TTL_KEY, () -> d.with(AppConfig.KEY_TTL_KEY, "soon"));
        assertMessage(AppConfig.MAX_KEYS_KEY, () -> d.with(AppConfig.MAX_KEYS_KEY, "-1"));
        assertMessage(AppConfig.MAX_KEYS_KEY, () -> d.with(AppConfig.MAX_KEYS_KEY, "many"));
        assertEquals(java.time.Duration.ofHours(1), d.maxFuture(), "times up to 1 h ahead of the clock by default");
        assertEquals(java.time.Duration.ZERO, d.with(AppConfig.MAX_FUTURE_KEY, "0").maxFuture(), "0: no limit");
        assertEquals(java.time.Duration.ofDays(2), d.with(AppConfig.MAX_FUTURE_KEY, "2d").maxFuture());
        assertMessage(AppConfig.MAX_FUTURE_KEY, () -> d.with(AppConfig.MAX_FUTURE_KEY, "later"));
    }

    @Test
    void shouldRefuseBadValuesNamingTheKey() {
        assertMessage(AppConfig.MODELS_KEY, () -> AppConfig.defaults().with(AppConfig.MODELS_KEY, " ; "));
        assertMessage("nosuchmodel", () -> AppConfig.defaults().with(AppConfig.MODELS_KEY, "nosuchmodel"));
        assertMessage("lr", () -> AppConfig.defaults().with(AppConfig.MODELS_KEY, "sgd:lr=-1"));
        assertMessage(AppConfig.MODELS_KEY, () -> AppConfig.defaults().with(AppConfig.MODELS_KEY, "sgd;sgd"));
        assertMessage(AppConfig.OUTPUT_FORMAT_KEY, () -> AppConfig.defaults().with(AppConfig.OUTPUT_FORMAT_KEY, "xml"));
        assertMessage(AppConfig.PROCESSING_GUARANTEE_KEY, () -> AppConfig.defaults().with(AppConfig.PROCESSING_GUARANTEE_KEY, "exactly_once"));
        assertMessage(AppConfig.EVENTS_TOPIC_KEY, () -> AppConfig.defaults().with(AppConfig.EVENTS_TOPIC_KEY, "a b"));
        assertMessage(AppConfig.HASH_BITS_KEY, () -> AppConfig.defaults().with(AppConfig.HASH_BITS_KEY, "many"));
        assertMessage(AppConfig.TOPIC_PARTITIONS_KEY, () -> AppConfig.defaults().with(AppConfig.TOPIC_PARTITIONS_KEY, "0"));
    }

    @Test
    void shouldAcceptAtLeastOnce() {
        assertEquals("at_least_once", AppConfig.defaults().with(AppConfig.PROCESSING_GUARANTEE_KEY, "at_least_once").processingGuarantee());
    }

    @Test
    void shouldRestoreTheDefaultWhenASettingIsRemoved() {
        AppConfig c = AppConfig.defaults().with(AppConfig.EVENTS_TOPIC_KEY, "x").with(AppConfig.EVENTS_TOPIC_KEY, null);
        assertEquals("events", c.eventsTopic());
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), "'" + x.getMessage() + "' should name " + part);
    }
}
