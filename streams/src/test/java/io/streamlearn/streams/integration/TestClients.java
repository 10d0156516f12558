package io.streamlearn.streams.integration;

import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * The Kafka clients and read loops the integration tests share: a {@code String}/{@code byte[]} producer
 * (linger 5 ms), a {@code read_committed} consumer from the earliest offset, and loops that poll 200 ms at a
 * time until a condition holds, for a fixed time, or both (until done, then a little longer, so that a
 * duplicate would show up). Nothing here asserts: each test states its own expectations after reading.
 *
 * <pre>{@code
 * try (KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker());
 *      KafkaConsumer<String, byte[]> consumer = TestClients.consumer(kafka.broker())) {
 *     consumer.subscribe(List.of(config.predictionsTopic()));
 *     producer.send(new ProducerRecord<>(config.eventsTopic(), key, bytes));
 *     producer.flush();
 *     List<ConsumerRecord<String, byte[]>> got = TestClients.readUntil(consumer, 1, Duration.ofSeconds(90));
 *     assertEquals(1, got.size());
 * }
 * }</pre>
 * Not thread-safe, like the Kafka consumer it polls.
 */
final class TestClients {

    /** How long each {@code poll} waits for records. */
    static final Duration POLL = Duration.ofMillis(200);

    private TestClients() {
    }

    /** What a read loop does with each record; may throw (decoding, JSON parsing) or assert. */
    @FunctionalInterface
    interface RecordHandler {
        void accept(ConsumerRecord<String, byte[]> record) throws Exception;
    }

    /** A producer of string keys and byte values to the broker, with {@code linger.ms=5}. */
    static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker) {
        return producer(broker.bootstrapServers());
    }

    /** The same, to a broker this JVM did not start (a subprocess's), by its {@code bootstrap.servers}. */
    static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** A {@code read_committed} consumer from the earliest offset, in a group of its own ({@code it-reader-<uuid>}). */
    static KafkaConsumer<String, byte[]> consumer(EmbeddedKafkaBroker broker) {
        return consumer(broker, "it-reader-" + UUID.randomUUID());
    }

    /** A {@code read_committed} consumer from the earliest offset, in the given group. */
    static KafkaConsumer<String, byte[]> consumer(EmbeddedKafkaBroker broker, String groupId) {
        return consumer(broker.bootstrapServers(), groupId);
    }

    /** The same, to a broker this JVM did not start (a subprocess's), by its {@code bootstrap.servers}. */
    static KafkaConsumer<String, byte[]> consumer(String bootstrapServers, String groupId) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Polls, handing every record to {@code handler}, while {@code done} is false and {@code timeout} has not
     * passed ({@code done} is asked before each poll). Returns whether {@code done} held in the end.
     */
    static boolean pollUntil(KafkaConsumer<String, byte[]> consumer, Duration timeout, BooleanSupplier done,
                             RecordHandler handler) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            poll(consumer, handler);
        }
        return done.getAsBoolean();
    }

    /** Polls for the whole of {@code duration}, handing every record to {@code handler}. */
    static void pollFor(KafkaConsumer<String, byte[]> consumer, Duration duration, RecordHandler handler) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            poll(consumer, handler);
        }
    }

    /**
     * Polls until {@code done}, then {@code quiet} longer (a duplicate or a surplus record would show up then),
     * all within {@code timeout}: if {@code done} never holds, reads until the timeout and no longer.
     */
    static void pollUntilThenFor(KafkaConsumer<String, byte[]> consumer, Duration timeout, BooleanSupplier done,
                                 Duration quiet, RecordHandler handler) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long quietUntil = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, quietUntil)) {
            poll(consumer, handler);
            if (quietUntil == Long.MAX_VALUE && done.getAsBoolean()) {
                quietUntil = System.nanoTime() + quiet.toNanos();
            }
        }
    }

    /** The records read until there are at least {@code n} or {@code timeout} passed (maybe fewer, maybe more). */
    static List<ConsumerRecord<String, byte[]>> readUntil(KafkaConsumer<String, byte[]> consumer, int n, Duration timeout)
            throws Exception {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        pollUntil(consumer, timeout, () -> out.size() >= n, out::add);
        return out;
    }

    /** Every record read during {@code duration}. */
    static List<ConsumerRecord<String, byte[]>> readFor(KafkaConsumer<String, byte[]> consumer, Duration duration)
            throws Exception {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        pollFor(consumer, duration, out::add);
        return out;
    }

    private static void poll(KafkaConsumer<String, byte[]> consumer, RecordHandler handler) throws Exception {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
            handler.accept(r);
        }
    }
}
