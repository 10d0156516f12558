package io.streamlearn.streams.http;

import io.streamlearn.streams.app.AppConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaForgetRequestsTest {

    private static final AppConfig BASE = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "kafka:9092");

    @Test
    void shouldUseTheApplicationsClientSettingsAndForceAnIdempotentBoundedProducer() {
        AppConfig c = BASE.with("security.protocol", "SASL_SSL")
                .with("sasl.mechanism", "PLAIN")
                .with("compression.type", "gzip")
                .with("producer.compression.type", "zstd")
                .with("acks", "1")
                .with("producer.transactional.id", "not-for-us")
                .with("commit.interval.ms", "1000")
                .with("num.stream.threads", "4");
        Map<String, Object> p = KafkaForgetRequests.producerSettings(c);
        assertEquals("kafka:9092", p.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("PLAIN", p.get("sasl.mechanism"));
        assertEquals("zstd", p.get(ProducerConfig.COMPRESSION_TYPE_CONFIG), "producer.X wins over X");
        assertEquals("all", p.get(ProducerConfig.ACKS_CONFIG), "acks=all whatever the config says");
        assertEquals("true", p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("5000", p.get(ProducerConfig.MAX_BLOCK_MS_CONFIG));
        assertEquals("10000", p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        assertEquals("streamlearn-http-forget", p.get(ProducerConfig.CLIENT_ID_CONFIG));
        assertFalse(p.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        assertFalse(p.containsKey("commit.interval.ms"), "Kafka Streams settings stay out");
        assertFalse(p.containsKey("num.stream.threads"));
        // The producer accepts them: delivery.timeout.ms >= linger.ms + request.timeout.ms.
        assertTrue(Long.parseLong((String) p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG))
                >= Long.parseLong((String) p.get(ProducerConfig.LINGER_MS_CONFIG))
                + Long.parseLong((String) p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)));
    }

    @Test
    void shouldRefuseAnApplicationWithoutAControlTopicOrABroker() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaForgetRequests.create(BASE.with(AppConfig.CONTROL_TOPIC_KEY, "")));
        assertTrue(e.getMessage().contains(AppConfig.CONTROL_TOPIC_KEY), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KafkaForgetRequests.create(AppConfig.defaults()));
    }

    @Test
    void shouldSendAForgetRecordAndCloseWithoutABroker() throws Exception {
        // No broker listens on port 1: the request fails within max.block.ms, as an exceptional future.
        try (KafkaForgetRequests forget = KafkaForgetRequests.create(BASE.with(AppConfig.BOOTSTRAP_SERVERS_KEY, "127.0.0.1:1"))) {
            java.util.concurrent.CompletableFuture<ForgetRequests.Receipt> f = forget.forget("dev-1");
            java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> f.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof org.apache.kafka.common.KafkaException, failed.getCause().toString());
            assertThrows(IllegalArgumentException.class, () -> forget.forget("a\u0000b"));
        }
    }
}
