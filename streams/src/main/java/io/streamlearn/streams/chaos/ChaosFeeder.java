package io.streamlearn.streams.chaos;

import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends a {@link ChaosWorkload}'s timeline on its own thread, at a steady rate: events to
 * {@code events}, labels to {@code labels}, Avro, each record stamped with its event or label time and
 * keyed by its entity key, through one idempotent {@code acks=all} producer (which rides out leader
 * changes and broker restarts by retrying). A label is held back until a read_committed reader of
 * {@code predictions} has seen its event's prediction: a label never overtakes its event.
 *
 * <pre>{@code
 * try (ChaosFeeder feeder = ChaosFeeder.start(bootstrap, workload, 400)) {
 *     ... stop brokers, kill instances ...
 *     feeder.await();
 * }
 * }</pre>
 */
public final class ChaosFeeder implements AutoCloseable {

    /** How long, after the last event, the held-back labels may wait for their events' predictions. */
    private static final long LAST_LABELS_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final Thread thread;
    private final Thread watcher;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger eventsSent = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Set<String> predicted = ConcurrentHashMap.newKeySet();
    private volatile boolean stop;

    private ChaosFeeder(String bootstrap, ChaosWorkload workload, double perSecond) {
        Set<String> awaited = new HashSet<>();
        workload.labels().forEach(l -> awaited.add(l.getId()));
        watcher = new Thread(() -> watch(bootstrap, awaited), "chaos-feeder-watcher");
        watcher.setDaemon(true);
        List<ChaosWorkload.Item> timeline = workload.timeline();
        thread = new Thread(() -> {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "600000");
            // one batch in flight per broker: a batch refused while a partition's leader is still being
            // set up (NOT_LEADER_OR_FOLLOWER) is retried before the next one is sent, so no later batch
            // lands first and leaves the idempotent producer's retry looping on OUT_OF_ORDER_SEQUENCE_NUMBER
            // (seen once in ChaosRunSmokeTest at the run's first batches, 2026-12-02); 250 records/s need no more
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
            Deque<Label> held = new ArrayDeque<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
                long start = System.nanoTime();
                for (int i = 0; i < timeline.size() && !stop; i++) {
                    long due = start + (long) (i * 1e9 / perSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 1_000_000) {
                        Thread.sleep(wait / 1_000_000);
                    }
                    ChaosWorkload.Item item = timeline.get(i);
                    if (item.event() != null) {
                        send(producer, "events", item.key(), item.time(), WireCodec.encode(item.event(), WireFormat.AVRO));
                        eventsSent.incrementAndGet();
                    } else {
                        held.add(item.label());
                    }
                    sendPredicted(producer, held);
                }
                long deadline = System.nanoTime() + LAST_LABELS_NANOS;
                while (!held.isEmpty() && !stop && System.nanoTime() < deadline) {
                    producer.flush();
                    Thread.sleep(100);
                    sendPredicted(producer, held);
                }
                if (!held.isEmpty() && !stop) {
                    failure.compareAndSet(null, new IllegalStateException(held.size()
                            + " labels still wait for their events' predictions, e.g. " + held.peek().getId()));
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        }, "chaos-feeder");
        thread.setDaemon(true);
    }

    /** Sends, in order, the held-back labels whose events are predicted (the first that is not stops the rest). */
    private void sendPredicted(KafkaProducer<String, byte[]> producer, Deque<Label> held) {
        while (!held.isEmpty() && predicted.contains(held.peek().getId())) {
            Label l = held.poll();
            send(producer, "labels", l.getKey(), l.getTs(), WireCodec.encode(l, WireFormat.AVRO));
        }
    }

    private void send(KafkaProducer<String, byte[]> producer, String topic, String key, long time, byte[] value) {
        producer.send(new ProducerRecord<>(topic, null, time, key, value), (md, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
        sent.incrementAndGet();
    }

    private void watch(String bootstrap, Set<String> awaited) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "chaos-feeder-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("predictions"));
            while (!stop) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        String id = WireCodec.decodePrediction(r.value()).getId();
                        if (awaited.contains(id)) {
                            predicted.add(id);
                        }
                    } catch (io.streamlearn.schemas.wire.MalformedRecordException ignored) {
                        // the audit counts these
                    }
                }
            }
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Starts sending {@code perSecond} records a second. */
    public static ChaosFeeder start(String bootstrap, ChaosWorkload workload, double perSecond) {
        ChaosFeeder f = new ChaosFeeder(bootstrap, workload, perSecond);
        f.watcher.start();
        f.thread.start();
        return f;
    }

    /** Records handed to the producer so far. */
    public int sent() {
        return sent.get();
    }

    /** Events (not labels) handed to the producer so far. */
    public int eventsSent() {
        return eventsSent.get();
    }

    /** Whether every record has been sent and acknowledged (or the feeder stopped). */
    public boolean done() {
        return !thread.isAlive();
    }

    /**
     * Waits until every record is written.
     *
     * @throws IllegalStateException if a record could not be written
     */
    public void await() throws InterruptedException {
        thread.join();
        if (failure.get() != null) {
            throw new IllegalStateException("the feeder could not write a record: " + failure.get(), failure.get());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(60_000);
        watcher.join(10_000);
    }
}
