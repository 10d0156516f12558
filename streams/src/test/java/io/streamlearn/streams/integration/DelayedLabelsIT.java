package io.streamlearn.streams.integration;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.streams.score.ScoringStep;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delayed labels against a real (in-process) kafka.broker(), exactly-once, two partitions: unlabelled events
 * first, then their labels shuffled, with duplicates, unknown events and labels past the horizon mixed
 * in; then a probe event per key shows that each key's model learned exactly its accepted labels.
 */
class DelayedLabelsIT {

    private static final int KEYS = 20;
    private static final int EVENTS_PER_KEY = 30;
    private static final long HOUR = 3_600_000L;
    private static final long T0 = 100 * HOUR;

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldJoinLateLabelsToTheirEventsAndLearnEachExactlyOnce() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = IsolatedConfig.of(kafka.broker(), "it-labels-" + suffix, suffix, stateDir)
                .with(AppConfig.FEATURES_KEY, "x1,x2")
                .with(AppConfig.MODELS_KEY, "sgd:lr=0.1")
                .with(AppConfig.LABEL_HORIZON_KEY, "1h");
        kafka.broker().createTopics(2, config.topics());
        Random random = new Random(3);

        List<ProducerRecord<String, byte[]>> labels = new ArrayList<>();
        Map<String, Event> sentEvents = new HashMap<>();
        Map<String, Integer> learnable = new TreeMap<>();
        Map<String, Integer> expectedReasons = new TreeMap<>();
        try (StreamlearnApp app = new StreamlearnApp(config);
             KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker());
             KafkaConsumer<String, byte[]> consumer = TestClients.consumer(kafka.broker())) {
            app.start();
            assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
            consumer.subscribe(List.of(config.predictionsTopic(), config.deadLettersTopic()));

            // Phase 1: unlabelled events. Per key, event 0 is 2 hours older than the rest: past the horizon.
            for (int k = 0; k < KEYS; k++) {
                String key = "key-" + k;
                for (int i = 0; i < EVENTS_PER_KEY; i++) {
                    long ts = i == 0 ? T0 : T0 + 2 * HOUR + i * 1000L;
                    Map<String, Double> f = Map.of("x1", random.nextGaussian(), "x2", random.nextGaussian());
                    Event e = Event.newBuilder().setId(key + "-e" + i).setKey(key).setTs(ts).setFeatures(f).setLabel(null).build();
                    producer.send(new ProducerRecord<>(config.eventsTopic(), key, WireCodec.encode(e, WireFormat.JSON)));
                    sentEvents.put(e.getId(), e);
                    double y = 2 * f.get("x1") - f.get("x2");
                    labels.add(label(config, key, e.getId(), ts + 1000, y));
                    if (i == 0) {
                        expectedReasons.merge("expired", 1, Integer::sum);
                    } else {
                        learnable.merge(key, 1, Integer::sum);
                    }
                    if (i % 10 == 3) {
                        labels.add(label(config, key, e.getId(), ts + 2000, y));   // a second label: never learned
                        expectedReasons.merge("duplicate-label", 1, Integer::sum);
                    }
                }
                labels.add(label(config, key, key + "-nope", T0 + 3 * HOUR, 1.0));
                expectedReasons.merge("unknown-event", 1, Integer::sum);
            }
            producer.flush();
            List<Prediction> first = drain(consumer, KEYS * EVENTS_PER_KEY, 0, new ArrayList<>());
            assertTrue(first.stream().allMatch(p -> p.getVersion() == 0L), "nothing learned before the labels");

            // Phase 2: the labels, shuffled (a duplicate may come before its original: the first one wins).
            Collections.shuffle(labels, random);
            labels.forEach(producer::send);
            producer.flush();
            int expectedLetters = expectedReasons.values().stream().mapToInt(Integer::intValue).sum();
            List<DeadLetter> letters = new ArrayList<>();
            drain(consumer, 0, expectedLetters, letters);

            // Phase 3: one probe per key: its version counts the labels learned.
            for (int k = 0; k < KEYS; k++) {
                String key = "key-" + k;
                Event e = Event.newBuilder().setId(key + "-probe").setKey(key).setTs(T0 + 4 * HOUR)
                        .setFeatures(Map.of("x1", 1.0, "x2", 0.0)).setLabel(null).build();
                producer.send(new ProducerRecord<>(config.eventsTopic(), key, WireCodec.encode(e, WireFormat.JSON)));
            }
            producer.flush();
            List<Prediction> probes = drain(consumer, KEYS, 0, letters);

            Map<String, Integer> reasons = new TreeMap<>();
            for (DeadLetter d : letters) {
                reasons.merge(d.getReason(), 1, Integer::sum);
                assertEquals(config.labelsTopic(), d.getTopic());
            }
            assertEquals(expectedReasons, reasons, "dead letters by reason");
            // Reference: the scoring step over a local store, learning each key's accepted labels in the order sent
            // (one partition per key keeps that order), first label of an event only, from the event's own features.
            ScoringStep reference = new ScoringStep(config.featureSpace(), config.models());
            InMemoryModelStore store = new InMemoryModelStore();
            java.util.Set<String> learned = new java.util.HashSet<>();
            for (ProducerRecord<String, byte[]> r : labels) {
                Label l = WireCodec.decodeLabel(r.value());
                Event e = sentEvents.get(l.getId());
                if (e != null && e.getTs() > T0 && learned.add(l.getId())) {
                    reference.learn(l.getKey(), e.getTs(), e.getFeatures(), l.getLabel(), store);
                }
            }
            Map<String, Integer> versions = new TreeMap<>();
            for (Prediction p : probes) {
                versions.put(p.getKey(), (int) p.getVersion());
                double[] expected = new double[1];
                reference.score(p.getKey(), p.getTs(), Map.of("x1", 1.0, "x2", 0.0), Double.NaN, store,
                        (model, champion, version, mean, stddev) -> expected[0] = mean);
                assertEquals(expected[0], p.getPrediction(), 0.0, "the late labels taught what they should: " + p);
                assertTrue(p.getPrediction() != 0.0, "the model moved: " + p);
            }
            assertEquals(learnable, versions, "each key's version = its labels learned, none twice");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldRefuseToRunWhenLabelsAndEventsHaveDifferentPartitionCounts() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, kafka.broker().bootstrapServers())
                .with(AppConfig.APPLICATION_ID_KEY, "it-copartition-" + suffix)
                .with(AppConfig.STATE_DIR_KEY, stateDir.toString())
                .with(AppConfig.EVENTS_TOPIC_KEY, "events-" + suffix)
                .with(AppConfig.LABELS_TOPIC_KEY, "labels-" + suffix)
                .with(AppConfig.PREDICTIONS_TOPIC_KEY, "predictions-" + suffix)
                .with(AppConfig.SHADOW_PREDICTIONS_TOPIC_KEY, "shadow-" + suffix)
                .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, "dead-letters-" + suffix)
                .with(AppConfig.CONTROL_TOPIC_KEY, "model-control-" + suffix);
        kafka.broker().createTopics(1, config.labelsTopic());
        kafka.broker().createTopics(2, config.topics());
        try (StreamlearnApp app = new StreamlearnApp(config)) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, app::start);
            assertTrue(e.getMessage().contains("1 partitions") && e.getMessage().contains("has 2"), e.getMessage());
            assertEquals(org.apache.kafka.streams.KafkaStreams.State.CREATED, app.state(), "never started");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldCreateMissingLabelsAndControlTopicsPartitionedLikeEvents() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, kafka.broker().bootstrapServers())
                .with(AppConfig.EVENTS_TOPIC_KEY, "events-" + suffix)
                .with(AppConfig.LABELS_TOPIC_KEY, "labels-" + suffix)
                .with(AppConfig.CONTROL_TOPIC_KEY, "model-control-" + suffix);
        kafka.broker().createTopics(3, config.eventsTopic());
        io.streamlearn.streams.app.TopicSetup.requireCopartitioned(config);
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.broker().bootstrapServers());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            var d = admin.describeTopics(List.of(config.labelsTopic(), config.controlTopic())).allTopicNames().get();
            assertEquals(3, d.get(config.labelsTopic()).partitions().size());
            assertEquals(1, d.get(config.controlTopic()).partitions().size());
            var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC,
                    config.controlTopic());
            assertEquals("compact", admin.describeConfigs(List.of(resource)).all().get().get(resource).get("cleanup.policy").value());
        }
    }

    private static ProducerRecord<String, byte[]> label(AppConfig config, String key, String id, long ts, double y) {
        Label l = Label.newBuilder().setId(id).setKey(key).setTs(ts).setLabel(y).build();
        return new ProducerRecord<>(config.labelsTopic(), key, WireCodec.encode(l, WireFormat.AVRO));
    }

    /** Reads until {@code predictions} predictions and {@code letters} more dead letters came, then 1 s more. */
    private static List<Prediction> drain(KafkaConsumer<String, byte[]> consumer, int predictions, int letters,
                                          List<DeadLetter> deadLetters) throws Exception {
        List<Prediction> out = new ArrayList<>();
        int target = deadLetters.size() + letters;
        TestClients.pollUntilThenFor(consumer, Duration.ofSeconds(90),
                () -> out.size() >= predictions && deadLetters.size() >= target, Duration.ofSeconds(1), r -> {
                    if (r.topic().startsWith("dead-letters")) {
                        deadLetters.add(WireCodec.decodeDeadLetter(r.value()));
                    } else {
                        out.add(WireCodec.decodePrediction(r.value()));
                    }
                });
        assertEquals(predictions, out.size(), "predictions");
        assertEquals(target, deadLetters.size(), "dead letters");
        return out;
    }
}
