package io.streamlearn.streams.app;

import io.streamlearn.state.rocksdb.BoundedMemoryRocksDBConfig;
import io.streamlearn.streams.decode.ContinueOnDeserializationError;
import io.streamlearn.streams.publish.ContinueOnProcessingError;
import io.streamlearn.streams.publish.ContinueOnRecordProductionError;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StreamlearnAppTest {

    @Test
    void shouldSetTheHandlersThatKeepTheApplicationRunning() {
        SkippedRecords skipped = new SkippedRecords();
        AppConfig c = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "k:1");
        Properties p = StreamlearnApp.streamsProperties(c, skipped);
        assertEquals(ContinueOnDeserializationError.class.getName(), p.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals(ContinueOnProcessingError.class.getName(), p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals(ContinueOnRecordProductionError.class.getName(), p.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals("exactly_once_v2", p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals("streamlearn", p.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertSame(skipped, p.get(SkippedRecords.CONFIG_KEY));
        // Kafka accepts them: a StreamsConfig can be built and instantiates the handlers.
        StreamsConfig sc = new StreamsConfig(p);
        assertEquals(ContinueOnProcessingError.class, sc.processingExceptionHandler().getClass());
    }

    @Test
    void shouldLetTheConfigOverrideKafkaDefaults() {
        AppConfig c = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "k:1").with("commit.interval.ms", "1000")
                .with(AppConfig.PROCESSING_GUARANTEE_KEY, "at_least_once");
        Properties p = StreamlearnApp.streamsProperties(c, new SkippedRecords());
        assertEquals("1000", p.get("commit.interval.ms"));
        assertEquals("at_least_once", p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    @Test
    void shouldKeepOneStandbyReplicaUnlessTheConfigSaysOtherwise() {
        AppConfig c = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "k:1");
        assertEquals(1, new StreamsConfig(StreamlearnApp.streamsProperties(c, new SkippedRecords()))
                .getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));
        assertEquals(0, new StreamsConfig(StreamlearnApp.streamsProperties(c.with(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "0"),
                new SkippedRecords())).getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));
    }

    @Test
    void shouldTurnTheRecordCacheOffUnlessTheConfigAsksForOne() {
        AppConfig c = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "k:1");
        Properties p = StreamlearnApp.streamsProperties(c, new SkippedRecords());
        assertEquals("0", p.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
        assertEquals(0L, new StreamsConfig(p).getLong(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
        Properties hot = StreamlearnApp.streamsProperties(c.with(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "10485760"),
                new SkippedRecords());
        assertEquals("10485760", hot.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
    }

    @Test
    void shouldBoundRocksDbMemoryByDefaultAndPassItsKnobsToKafkaStreams() {
        AppConfig c = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "k:1")
                .with(BoundedMemoryRocksDBConfig.TOTAL_OFF_HEAP_BYTES_CONFIG, "268435456");
        Properties p = StreamlearnApp.streamsProperties(c, new SkippedRecords());
        assertEquals(BoundedMemoryRocksDBConfig.class.getName(), p.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
        assertEquals("268435456", p.get(BoundedMemoryRocksDBConfig.TOTAL_OFF_HEAP_BYTES_CONFIG));
        // The setter sees the knob among the configs Kafka Streams hands it.
        assertEquals("268435456", new StreamsConfig(p).originals().get(BoundedMemoryRocksDBConfig.TOTAL_OFF_HEAP_BYTES_CONFIG));
        // And the config may choose another setter.
        Properties other = StreamlearnApp.streamsProperties(c.with(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, "x.Y"), new SkippedRecords());
        assertEquals("x.Y", other.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
        // Or none of ours at all.
        Properties off = StreamlearnApp.streamsProperties(c.with("streamlearn.rocksdb.bounded", "false"), new SkippedRecords());
        assertEquals(null, off.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
    }

    @Test
    void shouldJoinAsAStaticMemberNamedByHostAndStateDirectoryUnlessTold() {
        AppConfig c = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "k:1")
                .with(AppConfig.APPLICATION_ID_KEY, "fraud").with(AppConfig.STATE_DIR_KEY, "/var/lib/streamlearn/a");
        String id = (String) StreamlearnApp.streamsProperties(c, new SkippedRecords()).get("group.instance.id");
        assertTrue(id.startsWith("fraud-"), id);
        assertTrue(id.matches("[A-Za-z0-9._-]+"), "Kafka's legal characters only: " + id);
        assertEquals(id, StreamlearnApp.staticInstanceId(c), "the same config names the same member");
        String other = StreamlearnApp.staticInstanceId(c.with(AppConfig.STATE_DIR_KEY, "/var/lib/streamlearn/b"));
        assertNotEquals(id, other, "another state directory is another instance");
        assertEquals(id.substring(0, id.lastIndexOf('-')), other.substring(0, other.lastIndexOf('-')));
        // Kafka Streams accepts it: the main consumer gets it with the thread index, the others none.
        StreamsConfig sc = new StreamsConfig(StreamlearnApp.streamsProperties(c, new SkippedRecords()));
        assertEquals(id + "-1", sc.getMainConsumerConfigs("g", "c", 1).get("group.instance.id"));
        assertNull(sc.getRestoreConsumerConfigs("c").get("group.instance.id"));
        // An explicit id wins; the setting turns it off; the streams protocol has no static members.
        assertEquals("pod-7", StreamlearnApp.streamsProperties(c.with("group.instance.id", "pod-7"), new SkippedRecords())
                .get("group.instance.id"));
        assertNull(StreamlearnApp.streamsProperties(c.with(AppConfig.STATIC_MEMBERSHIP_KEY, "false"), new SkippedRecords())
                .get("group.instance.id"));
        assertNull(StreamlearnApp.staticInstanceId(c.with("group.protocol", "streams")));
    }

    @Test
    void shouldRequireBootstrapServers() {
        assertThrows(IllegalArgumentException.class, () -> new StreamlearnApp(AppConfig.defaults()));
    }
}
