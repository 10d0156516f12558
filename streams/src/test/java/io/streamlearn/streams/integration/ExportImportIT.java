package io.streamlearn.streams.integration;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.ModelExport;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.StateCodec;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.cli.StreamlearnCommand;
import io.streamlearn.streams.demo.SyntheticEvents;
import io.streamlearn.streams.migration.ModelTransfer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export from one deployment, import into a new one (new application id, fresh state directory),
 * and both score the same probe events bit for bit alike.
 */
class ExportImportIT {

    private static final List<String> FEATURES = List.of("x1", "x2", "x3");
    private static final int KEYS = 5;
    private static final int TRAINING = 600;
    private static final int PROBES = 40;
    private static final String MODELS = "kalman;sgd:lr=0.05";

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    private static AppConfig config(String prefix, Path stateDir) {
        return AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, kafka.broker().bootstrapServers())
                .with(AppConfig.APPLICATION_ID_KEY, prefix + "-app")
                .with(AppConfig.STATE_DIR_KEY, stateDir.toString())
                .with(AppConfig.MODELS_KEY, MODELS)
                .with(AppConfig.FEATURES_KEY, String.join(",", FEATURES))
                .with(AppConfig.EVENTS_TOPIC_KEY, prefix + "-events")
                .with(AppConfig.LABELS_TOPIC_KEY, prefix + "-labels")
                .with(AppConfig.PREDICTIONS_TOPIC_KEY, prefix + "-predictions")
                .with(AppConfig.SHADOW_PREDICTIONS_TOPIC_KEY, prefix + "-predictions-shadow")
                .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, prefix + "-dead-letters")
                .with(AppConfig.CONTROL_TOPIC_KEY, "")
                .with("commit.interval.ms", "100");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldScoreProbesIdenticallyInANewDeploymentSeededByImport(@TempDir Path tmp) throws Exception {
        AppConfig a = config("old", tmp.resolve("state-old"));
        AppConfig b = config("new", tmp.resolve("state-new"));
        kafka.broker().createTopics(3, a.topics());
        kafka.broker().createTopics(3, b.topics());
        SyntheticEvents gen = new SyntheticEvents(11, KEYS, FEATURES, 0.1, 1.0);
        Map<String, Long> trainedPerKey = new TreeMap<>();
        try (KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker())) {
            for (int i = 0; i < TRAINING; i++) {
                Event e = gen.next();
                trainedPerKey.merge(e.getKey(), 1L, Long::sum);
                producer.send(new ProducerRecord<>(a.eventsTopic(), e.getKey(), WireCodec.encode(e, WireFormat.AVRO)));
            }
        }
        assertEquals(KEYS, trainedPerKey.size());

        // 1. The old deployment learns, then stops.
        try (StreamlearnApp app = new StreamlearnApp(a)) {
            app.start();
            assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
            Map<String, Prediction> champion = read(a.predictionsTopic(), TRAINING, "old-training");
            assertEquals(TRAINING, champion.size());
        }

        // 2. Export, through the command line.
        Path file = tmp.resolve("models.avro");
        int rc = StreamlearnCommand.commandLine().execute("export", "--bootstrap-servers", kafka.broker().bootstrapServers(),
                "--application-id", a.applicationId(), "--output", file.toString());
        assertEquals(0, rc);
        List<ModelExport> exported = ModelTransfer.read(file);
        assertEquals(KEYS * 2, exported.size(), "one record per (key, model)");
        for (ModelExport m : exported) {
            assertTrue(a.models().contains(m.getModel()), m.getModel());
            assertEquals((long) trainedPerKey.get(m.getKey()), StateCodec.updates(bytes(m.getState())),
                    "every training event is labelled: one update each, key " + m.getKey() + " model " + m.getModel());
        }

        // 3. Import into the new deployment (stopped, empty state directory).
        rc = StreamlearnCommand.commandLine().execute("import", "--bootstrap-servers", kafka.broker().bootstrapServers(),
                "--application-id", b.applicationId(), "--events-topic", b.eventsTopic(), "--input", file.toString());
        assertEquals(0, rc);
        List<ModelExport> reexported = ModelTransfer.readChangelog(Map.of("bootstrap.servers", kafka.broker().bootstrapServers()),
                ModelTransfer.changelogTopic(b.applicationId(), b.storeName()), Duration.ofSeconds(60));
        assertEquals(exported.size(), reexported.size());
        for (int i = 0; i < exported.size(); i++) {
            assertEquals(exported.get(i).getKey(), reexported.get(i).getKey());
            assertEquals(exported.get(i).getModel(), reexported.get(i).getModel());
            assertArrayEquals(bytes(exported.get(i).getState()), bytes(reexported.get(i).getState()));
        }
        assertChangelogPartitioning(b, 3);

        // 4. The same unlabelled probes to both deployments.
        try (KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker())) {
            for (int i = 0; i < PROBES; i++) {
                Event e = gen.next();
                e.setId("probe-" + i);
                e.setLabel(null);
                byte[] wire = WireCodec.encode(e, WireFormat.AVRO);
                producer.send(new ProducerRecord<>(a.eventsTopic(), e.getKey(), wire));
                producer.send(new ProducerRecord<>(b.eventsTopic(), e.getKey(), wire));
            }
        }
        Map<String, Prediction> oldProbes;
        Map<String, Prediction> newProbes;
        try (StreamlearnApp old = new StreamlearnApp(a); StreamlearnApp fresh = new StreamlearnApp(b)) {
            old.start();
            fresh.start();
            assertTrue(old.awaitRunning(Duration.ofSeconds(90)), "old running; state " + old.state());
            assertTrue(fresh.awaitRunning(Duration.ofSeconds(90)), "new running; state " + fresh.state());
            oldProbes = read(List.of(a.predictionsTopic(), a.shadowPredictionsTopic()), TRAINING * 2 + PROBES * 2, "old-probes");
            newProbes = read(List.of(b.predictionsTopic(), b.shadowPredictionsTopic()), PROBES * 2, "new-probes");
        }
        oldProbes.keySet().removeIf(k -> !k.startsWith("probe-"));
        assertEquals(PROBES * 2, oldProbes.size(), "a prediction per probe and model in the old deployment");
        assertEquals(PROBES * 2, newProbes.size(), "a prediction per probe and model in the new deployment");
        for (Map.Entry<String, Prediction> e : oldProbes.entrySet()) {
            Prediction o = e.getValue();
            Prediction n = newProbes.get(e.getKey());
            assertTrue(n != null, "no prediction in the new deployment for " + e.getKey());
            assertEquals((long) trainedPerKey.get(o.getKey()), o.getVersion(), "the old model has learned: " + e.getKey());
            assertEquals(o.getVersion(), n.getVersion(), "version of " + e.getKey());
            assertEquals(Double.doubleToRawLongBits(o.getPrediction()), Double.doubleToRawLongBits(n.getPrediction()),
                    "prediction bits of " + e.getKey() + ": " + o.getPrediction() + " vs " + n.getPrediction());
            assertEquals(o.getStddev() == null ? null : Double.doubleToRawLongBits(o.getStddev()),
                    n.getStddev() == null ? null : Double.doubleToRawLongBits(n.getStddev()), "stddev bits of " + e.getKey());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldExportTheLastValuePerStoreKeyAndDropTombstones(@TempDir Path tmp) throws Exception {
        String topic = ModelTransfer.changelogTopic("tombstones-app", "models");
        kafka.broker().createTopics(2, topic);
        try (KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker())) {
            producer.send(new ProducerRecord<>(topic, ModelStore.storeKey("k1", "sgd"), new byte[]{1}));
            producer.send(new ProducerRecord<>(topic, ModelStore.storeKey("k1", "sgd"), new byte[]{2}));
            producer.send(new ProducerRecord<>(topic, ModelStore.storeKey("k2", "sgd"), new byte[]{3}));
            producer.send(new ProducerRecord<>(topic, ModelStore.storeKey("k2", "sgd"), null));
            producer.send(new ProducerRecord<>(topic, ModelStore.storeKey("k3", "kalman"), new byte[]{4}));
        }
        Path file = tmp.resolve("m.avro");
        long n = ModelTransfer.export(Map.of("bootstrap.servers", kafka.broker().bootstrapServers()), topic, file, Duration.ofSeconds(60));
        assertEquals(2, n);
        List<ModelExport> got = ModelTransfer.read(file);
        assertEquals("k1", got.get(0).getKey());
        assertEquals("sgd", got.get(0).getModel());
        assertArrayEquals(new byte[]{2}, bytes(got.get(0).getState()));
        assertEquals("k3", got.get(1).getKey());
        assertEquals("kalman", got.get(1).getModel());
        assertArrayEquals(new byte[]{4}, bytes(got.get(1).getState()));
    }

    /** Every changelog record sits in the partition the default partitioner gives its entity key. */
    private static void assertChangelogPartitioning(AppConfig config, int partitions) throws Exception {
        String topic = ModelTransfer.changelogTopic(config.applicationId(), config.storeName());
        try (KafkaConsumer<String, byte[]> c = TestClients.consumer(kafka.broker(), "partition-check")) {
            c.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> seen = TestClients.readUntil(c, KEYS * 2, Duration.ofSeconds(30));
            for (ConsumerRecord<String, byte[]> r : seen) {
                int expected = org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(
                        new StringSerializer().serialize(topic, ModelStore.entityKey(r.key())), partitions);
                assertEquals(expected, r.partition(), "partition of " + r.key().replace('\u0000', '/'));
            }
            assertEquals(KEYS * 2, seen.size());
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static Map<String, Prediction> read(String topic, int count, String group) throws Exception {
        return read(List.of(topic), count, group);
    }

    /** Predictions by event id and model (the model is appended for shadow topics), until count arrive. */
    private static Map<String, Prediction> read(List<String> topics, int count, String group) throws Exception {
        Map<String, Prediction> out = new HashMap<>();
        List<String> dup = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = TestClients.consumer(kafka.broker(), group)) {
            c.subscribe(topics);
            for (ConsumerRecord<String, byte[]> r : TestClients.readUntil(c, count, Duration.ofSeconds(120))) {
                Prediction p = WireCodec.decodePrediction(r.value());
                if (out.put(p.getId() + "|" + p.getModel(), p) != null) {
                    dup.add(p.getId());
                }
            }
        }
        assertTrue(dup.isEmpty(), "predicted twice: " + dup);
        return out;
    }
}
