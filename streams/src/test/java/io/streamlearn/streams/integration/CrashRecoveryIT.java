package io.streamlearn.streams.integration;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.demo.SyntheticEvents;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once across a crash: {@code streamlearn run} (the shaded jar, its own JVM) is killed with
 * SIGKILL in the middle of the stream and started again on the same state directory. A
 * read_committed consumer must see exactly one prediction per event, and each key's versions must
 * go on without a gap or a repeat: no update lost, none applied twice.
 */
class CrashRecoveryIT {

    private static final int EVENTS = 12_000;
    private static final List<String> FEATURES = List.of("x1", "x2", "x3");

    /** Not a temporary directory: the two instances' logs stay for inspection. */
    private final Path dir = Path.of("target", "crash-recovery-it");

    @Test
    @Timeout(value = 330, unit = TimeUnit.SECONDS)
    void shouldPredictEachEventOnceAndLoseNoUpdateWhenKilledMidStream() throws Exception {
        Path jar = ShadedJar.require();
        RunCommandIT.deleteRecursively(dir);
        Files.createDirectories(dir);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(2, "events", "labels", "predictions", "dead-letters");
            SyntheticEvents gen = new SyntheticEvents(5, 100, FEATURES, 0.1, 1.0);
            try (KafkaProducer<String, byte[]> producer = TestClients.producer(broker)) {
                for (int i = 0; i < EVENTS; i++) {
                    Event e = gen.next();
                    producer.send(new ProducerRecord<>("events", e.getKey(), WireCodec.encode(e, WireFormat.AVRO)));
                }
            }

            List<Prediction> predictions = new ArrayList<>();
            Path stateDir = dir.resolve("state");
            try (KafkaConsumer<String, byte[]> consumer = TestClients.consumer(broker, "crash-reader")) {
                consumer.subscribe(List.of("predictions"));
                Process first = start(jar, broker, stateDir, dir.resolve("first.err"));
                try {
                    readUntil(consumer, predictions, EVENTS / 4, 90);
                } finally {
                    first.destroyForcibly(); // SIGKILL: no commit, no close, an open transaction
                    first.waitFor(30, TimeUnit.SECONDS);
                }
                assertTrue(predictions.size() < EVENTS, "killed mid-stream, after " + predictions.size() + " predictions");
                System.out.println("CrashRecoveryIT: killed the first instance after " + predictions.size()
                        + " committed predictions of " + EVENTS);

                Process second = start(jar, broker, stateDir, dir.resolve("second.err"));
                try {
                    readUntil(consumer, predictions, EVENTS, 200);
                    System.out.println("CrashRecoveryIT: " + predictions.size() + " committed predictions after the restart");
                    readFor(consumer, predictions, Duration.ofSeconds(3)); // a duplicate would show up here
                } finally {
                    second.destroy();
                    second.waitFor(60, TimeUnit.SECONDS);
                }
            }

            assertEquals(EVENTS, predictions.size(), "one committed prediction per event; see the logs in " + dir.toAbsolutePath());
            Set<String> ids = new HashSet<>();
            Map<String, Long> version = new HashMap<>();
            for (Prediction p : predictions) {
                assertTrue(ids.add(p.getId()), "predicted twice: " + p.getId());
                Long before = version.put(p.getKey(), p.getVersion());
                assertEquals(before == null ? 0L : before + 1, p.getVersion(),
                        "every event is labelled, so each key's version counts up by one: " + p.getId());
            }
        }
    }

    private static Process start(Path jar, EmbeddedKafkaBroker broker, Path stateDir, Path stderr) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log4j = Path.of("target", "test-classes", "crash-recovery-log4j2.xml").toAbsolutePath();
        return new ProcessBuilder(java, "-Xmx512m", "-Dlog4j2.configurationFile=" + log4j, "-jar", jar.toString(), "run",
                "--bootstrap-servers", broker.bootstrapServers(), "--state-dir", stateDir.toString(),
                "--features", String.join(",", FEATURES), "--output-format", "avro",
                // the killed instance never leaves the group: keep the wait for its session short
                "--set", "main.consumer.session.timeout.ms=6000",
                // six heartbeats per session, not Kafka's default two (3 s): on a loaded machine one
                // late heartbeat must not evict the live instance and start a rebalance storm
                "--set", "main.consumer.heartbeat.interval.ms=1000",
                "--set", "commit.interval.ms=100")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile())
                .start();
    }

    private static void readUntil(KafkaConsumer<String, byte[]> consumer, List<Prediction> out, int count, int seconds)
            throws Exception {
        TestClients.pollUntil(consumer, Duration.ofSeconds(seconds), () -> out.size() >= count,
                r -> out.add(WireCodec.decodePrediction(r.value())));
    }

    private static void readFor(KafkaConsumer<String, byte[]> consumer, List<Prediction> out, Duration d) throws Exception {
        TestClients.pollFor(consumer, d, r -> out.add(WireCodec.decodePrediction(r.value())));
    }
}
