package io.streamlearn.streams.metrics;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamlearnMetricsTest {

    @TempDir
    Path stateDir;

    @Test
    void shouldRenderJvmAndApplicationMetersAsPrometheusText() {
        try (StreamlearnMetrics metrics = new StreamlearnMetrics()) {
            metrics.registry().counter("streamlearn.events", "result", "scored").increment(2);
            String text = metrics.scrape();
            assertTrue(text.contains("# TYPE streamlearn_events_total counter"), text);
            assertTrue(text.contains("streamlearn_events_total{result=\"scored\"} 2.0"), text);
            assertTrue(text.contains("jvm_memory_used_bytes"), "JVM memory");
            assertTrue(text.contains("jvm_threads_live_threads"), "JVM threads");
            assertFalse(text.contains("kafka_stream_"), "no Kafka Streams meters before binding");
        }
    }

    @Test
    void shouldBindKafkaStreamsClientMetrics() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("in").to("out");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"); // never started: no connection
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        KafkaStreams streams = new KafkaStreams(b.build(), p);
        try (StreamlearnMetrics metrics = new StreamlearnMetrics()) {
            metrics.bindKafkaStreams(streams);
            String text = metrics.scrape();
            assertTrue(text.contains("kafka_stream_"), "Kafka Streams client meters:\n" + text);
            metrics.bindKafkaStreams(streams); // rebinding replaces, does not fail
            assertTrue(metrics.scrape().contains("kafka_stream_"));
        } finally {
            streams.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldServeAStoreMetricOfEveryStoreTypeUnderOneSetOfTagKeys() {
        try (StreamlearnMetrics metrics = new StreamlearnMetrics()) {
            io.micrometer.core.instrument.MeterRegistry r = metrics.registry();
            // as Micrometer's Kafka binder registers them: the tag key names the store type
            io.micrometer.core.instrument.Gauge.builder("kafka.stream.state.restore.latency.max", () -> 3.0)
                    .tag("rocksdb-state-id", "models").tag("task-id", "0_0").register(r);
            io.micrometer.core.instrument.Gauge.builder("kafka.stream.state.restore.latency.max", () -> 5.0)
                    .tag("in-memory-state-id", "model-control-store").tag("task-id", "-1_-1").register(r);
            String text = metrics.scrape();
            assertTrue(text.contains("kafka_stream_state_restore_latency_max{state_id=\"models\",store_type=\"rocksdb\",task_id=\"0_0\"} 3.0"), text);
            assertTrue(text.contains("kafka_stream_state_restore_latency_max{state_id=\"model-control-store\",store_type=\"in-memory\","
                    + "task_id=\"-1_-1\"} 5.0"), text);
        }
    }
}
