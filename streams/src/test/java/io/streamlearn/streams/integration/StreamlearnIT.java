package io.streamlearn.streams.integration;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.demo.BadRecords;
import io.streamlearn.streams.demo.SyntheticEvents;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole route against a real (in-process) kafka.broker(), exactly-once: 20,000 JSON events for 200 keys
 * with known per-key linear relations and 50 malformed records mixed in.
 */
class StreamlearnIT {

    private static final int EVENTS = 20_000;
    private static final int KEYS = 200;
    private static final int MALFORMED = 50;
    private static final List<String> FEATURES = List.of("x1", "x2", "x3");

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldPredictEveryEventOnceLearnPerKeyAndDeadLetterEveryBadRecord() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, kafka.broker().bootstrapServers())
                .with(AppConfig.APPLICATION_ID_KEY, "it-" + suffix)
                .with(AppConfig.STATE_DIR_KEY, stateDir.toString())
                .with(AppConfig.FEATURES_KEY, String.join(",", FEATURES))
                .with(AppConfig.EVENTS_TOPIC_KEY, "events-" + suffix)
                .with(AppConfig.PREDICTIONS_TOPIC_KEY, "predictions-" + suffix)
                .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, "dead-letters-" + suffix)
                .with("commit.interval.ms", "100");
        kafka.broker().createTopics(2, config.topics());

        SyntheticEvents gen = new SyntheticEvents(7, KEYS, FEATURES, 0.1, 0.8);
        Map<String, Event> sent = new HashMap<>();
        Map<BadRecords.Kind, Integer> badSent = new TreeMap<>();

        try (StreamlearnApp app = new StreamlearnApp(config)) {
            app.start();
            assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
            try (KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker())) {
                int bad = 0;
                for (int i = 0; i < EVENTS; i++) {
                    if (i % (EVENTS / MALFORMED) == 17) {
                        BadRecords.Bad b = BadRecords.example(bad++, gen);
                        badSent.merge(b.kind(), 1, Integer::sum);
                        producer.send(new ProducerRecord<>(config.eventsTopic(), b.key(), b.value()));
                    }
                    Event e = gen.next();
                    sent.put(e.getId(), e);
                    producer.send(new ProducerRecord<>(config.eventsTopic(), e.getKey(), WireCodec.encode(e, WireFormat.JSON)));
                }
                assertEquals(MALFORMED, bad);
            }

            List<Prediction> predictions = new ArrayList<>();
            List<DeadLetter> deadLetters = new ArrayList<>();
            try (KafkaConsumer<String, byte[]> consumer = TestClients.consumer(kafka.broker())) {
                consumer.subscribe(List.of(config.predictionsTopic(), config.deadLettersTopic()));
                // Once all came, keep reading a little (2 s): a duplicate would show up then.
                TestClients.pollUntilThenFor(consumer, Duration.ofSeconds(240),
                        () -> predictions.size() >= EVENTS && deadLetters.size() >= MALFORMED, Duration.ofSeconds(2), r -> {
                            if (r.topic().equals(config.deadLettersTopic())) {
                                deadLetters.add(WireCodec.decodeDeadLetter(r.value()));
                            } else {
                                Prediction p = WireCodec.decodePrediction(r.value());
                                assertEquals(p.getKey(), r.key());
                                predictions.add(p);
                            }
                        });
            }

            // One prediction per valid event.
            assertEquals(EVENTS, predictions.size(), "one prediction per event");
            Map<String, Prediction> byId = new HashMap<>();
            for (Prediction p : predictions) {
                assertNull(byId.put(p.getId(), p), "predicted twice: " + p.getId());
                Event e = sent.get(p.getId());
                assertNotNull(e, "prediction for an event never sent: " + p.getId());
                assertEquals(e.getKey(), p.getKey());
                assertEquals(e.getLabel(), p.getLabel());
            }

            // Per key, in partition order, the version grows by exactly one after each labelled event:
            // no update was lost or applied twice.
            Map<String, Prediction> previous = new HashMap<>();
            for (Prediction p : predictions) {
                Prediction before = previous.put(p.getKey(), p);
                long expected = before == null ? 0 : before.getVersion() + (before.getLabel() != null ? 1 : 0);
                assertEquals(expected, p.getVersion(), "version of " + p.getId() + " for key " + p.getKey());
            }

            // The models learned: prequential MSE of the last quarter of events far below the first's.
            double[] sum = new double[2];
            long[] n = new long[2];
            for (Prediction p : predictions) {
                if (p.getLabel() == null) {
                    continue;
                }
                long index = Long.parseLong(p.getId().substring(2));
                int q = index < EVENTS / 4 ? 0 : index >= EVENTS - EVENTS / 4 ? 1 : -1;
                if (q >= 0) {
                    double err = p.getPrediction() - p.getLabel();
                    sum[q] += err * err;
                    n[q]++;
                }
            }
            double first = sum[0] / n[0];
            double last = sum[1] / n[1];
            assertTrue(last < first / 5, "MSE last quarter " + last + " vs first quarter " + first);

            // Exactly the bad records became dead letters, each with its kind's reason.
            assertEquals(MALFORMED, deadLetters.size(), "dead letters");
            Map<String, Integer> reasons = new TreeMap<>();
            for (DeadLetter d : deadLetters) {
                reasons.merge(d.getReason(), 1, Integer::sum);
                assertEquals(config.eventsTopic(), d.getTopic());
                assertTrue(d.getOffset() >= 0);
                assertNotNull(d.getValue());
            }
            Map<String, Integer> expected = new TreeMap<>();
            expected.put("malformed-json", badSent.get(BadRecords.Kind.BAD_JSON));
            expected.put("malformed-avro", badSent.get(BadRecords.Kind.BAD_AVRO));
            expected.put("non-finite-feature", badSent.get(BadRecords.Kind.NAN_FEATURE));
            expected.put("missing-key", badSent.get(BadRecords.Kind.MISSING_KEY));
            assertEquals(expected, reasons);
            assertEquals(MALFORMED, app.skippedRecords().total(), "counted: " + app.skippedRecords());
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldRestoreTheModelsFromTheChangelogWhenRestartedOnAnEmptyStateDirectory() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, kafka.broker().bootstrapServers())
                .with(AppConfig.APPLICATION_ID_KEY, "it-restart-" + suffix)
                .with(AppConfig.FEATURES_KEY, String.join(",", FEATURES))
                .with(AppConfig.OUTPUT_FORMAT_KEY, "json")
                .with(AppConfig.EVENTS_TOPIC_KEY, "events-" + suffix)
                .with(AppConfig.PREDICTIONS_TOPIC_KEY, "predictions-" + suffix)
                .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, "dead-letters-" + suffix)
                .with("commit.interval.ms", "100")
                // The first instance's consumer may not send LeaveGroup on close (Kafka 4.1.1): keep the
                // wait for its session to expire short (the broker's minimum).
                .with("main.consumer.session.timeout.ms", "6000");
        kafka.broker().createTopics(2, config.topics());
        SyntheticEvents gen = new SyntheticEvents(11, 50, FEATURES, 0.1, 1.0);
        int half = 2_000;
        List<Prediction> predictions = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = TestClients.consumer(kafka.broker());
             KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker())) {
            consumer.subscribe(List.of(config.predictionsTopic()));
            for (int run = 0; run < 2; run++) {
                // Each run starts on its own, empty state directory: the second must restore from the changelog.
                AppConfig c = config.with(AppConfig.STATE_DIR_KEY, stateDir.resolve("run-" + run).toString());
                try (StreamlearnApp app = new StreamlearnApp(c)) {
                    app.start();
                    assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
                    for (int i = 0; i < half; i++) {
                        Event e = gen.next();
                        producer.send(new ProducerRecord<>(c.eventsTopic(), e.getKey(), WireCodec.encode(e, WireFormat.JSON)));
                    }
                    producer.flush();
                    int expected = (run + 1) * half;
                    TestClients.pollUntil(consumer, Duration.ofSeconds(90), () -> predictions.size() >= expected,
                            r -> predictions.add(WireCodec.decodePrediction(r.value())));
                    assertEquals((run + 1) * half, predictions.size(), "predictions after run " + run);
                }
            }
        }
        Map<String, Long> lastVersion = new HashMap<>();
        int continuedAfterRestart = 0;
        for (int i = 0; i < predictions.size(); i++) {
            Prediction p = predictions.get(i);
            Long before = lastVersion.put(p.getKey(), p.getVersion());
            assertEquals(before == null ? 0L : before + 1, p.getVersion(), "every event is labelled: versions count up by one");
            if (i >= half && before != null && before > 0) {
                continuedAfterRestart++;
            }
        }
        assertTrue(continuedAfterRestart > half / 2, "keys went on from their restored versions: " + continuedAfterRestart);
    }
}
