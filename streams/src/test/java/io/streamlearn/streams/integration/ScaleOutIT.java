package io.streamlearn.streams.integration;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.demo.SyntheticEvents;
import io.streamlearn.streams.topology.StreamlearnTopology;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scale-out and fail-over, exactly-once: two instances of one application ({@code application.id}
 * {@code streamlearn}, separate state directories) share the four partitions of {@code events}.
 * Instance A runs in this JVM (its {@link KafkaStreams} built from the public
 * {@link StreamlearnTopology#build} and {@link StreamlearnApp#streamsProperties}, so the test can
 * read its task assignment); instance B is {@code streamlearn run} in its own JVM (the shaded jar).
 * <p>
 * The abrupt failure is B killed with SIGKILL in the middle of the second batch of events: no
 * commit, no LeaveGroup, an open transaction. A learns of it only when B's session times out (6 s
 * here), takes B's tasks, restores their models from the changelog (read_committed, so after B's
 * transaction is aborted) and goes on. A read_committed consumer must then see exactly one
 * prediction per event, and each key's version (its update count; every event is labelled) must go
 * 0, 1, 2, ... across the fail-over: no key starts again from zero, none repeats or skips a version.
 */
class ScaleOutIT {

    private static final int KEYS = 300;
    private static final int BATCH = 3_000;
    private static final int PARTITIONS = 4;
    private static final List<String> FEATURES = List.of("x1", "x2", "x3");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void shouldShareThePartitionsAndContinueEveryKeysModelOnTheSurvivorAfterAnAbruptKill() throws Exception {
        Path jar = ShadedJar.require();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            AppConfig config = AppConfig.defaults()
                    .with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers())
                    .with(AppConfig.STATE_DIR_KEY, dir.resolve("state-a").toString())
                    .with(AppConfig.FEATURES_KEY, String.join(",", FEATURES))
                    .with(AppConfig.OUTPUT_FORMAT_KEY, "avro")
                    .with("commit.interval.ms", "100")
                    .with("main.consumer.session.timeout.ms", "6000")
                    .with("main.consumer.heartbeat.interval.ms", "1000");
            broker.createTopics(PARTITIONS, config.topics());

            SkippedRecords skipped = new SkippedRecords();
            KafkaStreams a = new KafkaStreams(StreamlearnTopology.build(config.topologySettings().withSkipped(skipped)),
                    StreamlearnApp.streamsProperties(config, skipped));
            Process b = null;
            List<ConsumerRecord<String, Prediction>> predictions = new ArrayList<>();
            try (KafkaConsumer<String, byte[]> consumer = TestClients.consumer(broker, "scale-out-reader");
                 KafkaProducer<String, byte[]> producer = TestClients.producer(broker)) {
                consumer.subscribe(List.of(config.predictionsTopic()));
                a.start();
                awaitTasks(a, n -> n == PARTITIONS, 60, "A alone runs every task");

                b = start(jar, broker, dir.resolve("state-b"), dir.resolve("b.err"));
                Set<Integer> aPartitions = awaitTasks(a, n -> n > 0 && n < PARTITIONS, 60,
                        "B joins and takes some of A's tasks");
                // Let any follow-up (probing) rebalance settle, then check the split still holds.
                Thread.sleep(3_000);
                aPartitions = awaitTasks(a, n -> n > 0 && n < PARTITIONS, 30, "A and B share the tasks");
                System.out.println("ScaleOutIT: instance A runs partitions " + aPartitions + ", B the others");

                SyntheticEvents gen = new SyntheticEvents(13, KEYS, FEATURES, 0.1, 1.0);
                send(producer, gen, BATCH);
                readUntil(consumer, predictions, BATCH, 60);
                assertEquals(BATCH, predictions.size(), "first batch predicted\n" + Files.readString(dir.resolve("b.err")));
                Set<Integer> bPartitions = new TreeSet<>();
                for (ConsumerRecord<String, Prediction> r : predictions) {
                    if (!aPartitions.contains(r.partition())) {
                        bPartitions.add(r.partition());
                    }
                }
                assertFalse(bPartitions.isEmpty(), "B predicted events of its own partitions");
                Set<Integer> both = new TreeSet<>(aPartitions);
                both.addAll(bPartitions);
                assertEquals(PARTITIONS, both.size(), "A's and B's partitions cover the topic");

                // Second batch; kill B while it is working on it.
                send(producer, gen, BATCH);
                readUntil(consumer, predictions, BATCH + BATCH / 10, 60);
                b.destroyForcibly(); // SIGKILL: no commit, no LeaveGroup, an open transaction
                b.waitFor(30, TimeUnit.SECONDS);
                int atKill = predictions.size();
                System.out.println("ScaleOutIT: killed B after " + atKill + " committed predictions of " + 2 * BATCH);
                assertTrue(atKill < 2 * BATCH, "B was killed mid-stream");

                readUntil(consumer, predictions, 2 * BATCH, 90);
                awaitTasks(a, n -> n == PARTITIONS, 30, "the survivor runs every task");
                readFor(consumer, predictions, Duration.ofSeconds(3)); // a duplicate would show up here

                assertEquals(2 * BATCH, predictions.size(), "one committed prediction per event");
                Set<String> ids = new HashSet<>();
                Map<String, Long> version = new HashMap<>();
                Set<String> seenAfterKill = new HashSet<>();
                int continued = 0;
                for (int i = 0; i < predictions.size(); i++) {
                    ConsumerRecord<String, Prediction> r = predictions.get(i);
                    Prediction p = r.value();
                    assertTrue(ids.add(p.getId()), "predicted twice: " + p.getId());
                    Long before = version.put(p.getKey(), p.getVersion());
                    assertEquals(before == null ? 0L : before + 1, p.getVersion(),
                            "every event is labelled, so key " + p.getKey() + "'s version counts up by one: " + p.getId());
                    if (i >= atKill && bPartitions.contains(r.partition()) && seenAfterKill.add(p.getKey())
                            && before != null && before > 0) {
                        continued++;
                    }
                }
                // Keys of B's partitions that A scored after the kill, going on from B's versions.
                assertTrue(continued > 0, "some of B's keys went on from their versions on A");
                System.out.println("ScaleOutIT: " + continued + " keys of B's partitions continued on A from B's versions");
            } finally {
                if (b != null && b.isAlive()) {
                    b.destroyForcibly();
                }
                a.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)));
            }
        }
    }

    /** Waits until A is RUNNING with a number of active tasks that passes the check; returns their partitions. */
    private static Set<Integer> awaitTasks(KafkaStreams streams, java.util.function.IntPredicate check, int seconds,
                                           String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Set<Integer> partitions = Set.of();
        while (System.nanoTime() < deadline) {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                partitions = new TreeSet<>();
                for (ThreadMetadata t : streams.metadataForLocalThreads()) {
                    for (TaskMetadata task : t.activeTasks()) {
                        partitions.add(task.taskId().partition());
                    }
                }
                if (check.test(partitions.size())) {
                    return partitions;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": not within " + seconds + " s (state " + streams.state()
                + ", A's partitions " + partitions + ")");
    }

    private static void send(KafkaProducer<String, byte[]> producer, SyntheticEvents gen, int n) {
        for (int i = 0; i < n; i++) {
            Event e = gen.next();
            producer.send(new ProducerRecord<>("events", e.getKey(), WireCodec.encode(e, WireFormat.AVRO)));
        }
        producer.flush();
    }

    private static Process start(Path jar, EmbeddedKafkaBroker broker, Path stateDir, Path stderr) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx384m", "-jar", jar.toString(), "run",
                "--bootstrap-servers", broker.bootstrapServers(), "--state-dir", stateDir.toString(),
                "--features", String.join(",", FEATURES), "--output-format", "avro",
                "--set", "main.consumer.session.timeout.ms=6000",
                "--set", "main.consumer.heartbeat.interval.ms=1000",
                "--set", "commit.interval.ms=100")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile())
                .start();
    }

    private static void readUntil(KafkaConsumer<String, byte[]> consumer, List<ConsumerRecord<String, Prediction>> out,
                                  int count, int seconds) throws Exception {
        TestClients.pollUntil(consumer, Duration.ofSeconds(seconds), () -> out.size() >= count, r -> out.add(decode(r)));
    }

    private static void readFor(KafkaConsumer<String, byte[]> consumer, List<ConsumerRecord<String, Prediction>> out,
                                Duration d) throws Exception {
        TestClients.pollFor(consumer, d, r -> out.add(decode(r)));
    }

    private static ConsumerRecord<String, Prediction> decode(ConsumerRecord<String, byte[]> r) throws Exception {
        Prediction p = WireCodec.decodePrediction(r.value());
        assertEquals(p.getKey(), r.key());
        return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.key(), p);
    }
}
