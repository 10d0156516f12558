package io.streamlearn.streams.http;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.control.ModelControl;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@link ForgetRequests} over Kafka: one small idempotent producer ({@code acks=all}) that writes
 * {@code forget:<key>} → {@code {"via": "http", "time": <ms>}} to the application's {@code model-control}
 * topic. It takes the application's Kafka client settings (security, SASL, ...; also
 * {@code producer.}-prefixed ones) and bounds how long a request may wait for the broker (5 s to get
 * metadata, 10 s in all), so that an unreachable broker turns into an error answer, not a hung request.
 * Thread-safe. Close it to release the producer.
 *
 * <pre>{@code
 * try (KafkaForgetRequests forget = KafkaForgetRequests.create(config)) {
 *     forget.forget("user-42").get(15, TimeUnit.SECONDS);
 * }
 * }</pre>
 */
public final class KafkaForgetRequests implements ForgetRequests, AutoCloseable {

    /** Longest wait for the broker: metadata, then the request record's acknowledgement. */
    static final Duration MAX_BLOCK = Duration.ofSeconds(5);
    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaProducer<String, byte[]> producer;
    private final String controlTopic;
    private final String acksTopic;

    private KafkaForgetRequests(Map<String, Object> producerSettings, String controlTopic, String acksTopic) {
        this.producer = new KafkaProducer<>(producerSettings, new StringSerializer(), new ByteArraySerializer());
        this.controlTopic = controlTopic;
        this.acksTopic = acksTopic;
    }

    /**
     * A producer for the application of {@code config}.
     *
     * @throws IllegalArgumentException if the config has no {@code bootstrap.servers} or no control topic
     */
    public static KafkaForgetRequests create(AppConfig config) {
        if (config.bootstrapServers() == null) {
            throw new IllegalArgumentException("bootstrap.servers is not set");
        }
        if (config.controlTopic() == null) {
            throw new IllegalArgumentException(AppConfig.CONTROL_TOPIC_KEY + " is empty: nowhere to send forget requests");
        }
        return new KafkaForgetRequests(producerSettings(config), config.controlTopic(), config.forgetAcksTopic());
    }

    /**
     * The producer's settings: the application's producer-level Kafka settings ({@code producer.X} wins
     * over {@code X}), then the fixed ones (idempotence, {@code acks=all}, timeouts, client id).
     */
    static Map<String, Object> producerSettings(AppConfig config) {
        Map<String, Object> p = new HashMap<>();
        Map<String, String> kafka = config.kafkaSettings();
        kafka.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        kafka.forEach((k, v) -> {
            if (k.startsWith("producer.") && ProducerConfig.configNames().contains(k.substring("producer.".length()))) {
                p.put(k.substring("producer.".length()), v);
            }
        });
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-http-forget");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(MAX_BLOCK.toMillis()));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(MAX_BLOCK.toMillis()));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(DELIVERY_TIMEOUT.toMillis()));
        return p;
    }

    @Override
    public CompletableFuture<Receipt> forget(String key) {
        if (key == null || key.isEmpty() || key.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("not a valid entity key");
        }
        byte[] value = ModelControl.forgetRequest("http", System.currentTimeMillis());
        CompletableFuture<Receipt> result = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(controlTopic, ModelControl.FORGET + key, value), (metadata, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(failure);
                } else {
                    result.complete(new Receipt(key, controlTopic, metadata.partition(), metadata.offset(), acksTopic));
                }
            });
        } catch (KafkaException e) {
            // e.g. no metadata for the topic within max.block.ms
            result.completeExceptionally(e);
        }
        return result;
    }

    /** Sends what is buffered (waits up to 5 s) and releases the producer. */
    @Override
    public void close() {
        producer.close(MAX_BLOCK);
    }
}
