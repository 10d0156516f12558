package io.streamlearn.streams.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code forget:<key>} request on {@code model-control} against the real broker (2 partitions): the
 * owning task deletes the key's model and acknowledges once; after a restart on an EMPTY state
 * directory (everything restored from the changelogs) the key starts from a fresh model while another
 * key keeps its learned one, and the request is not carried out again.
 */
class ForgetKeyIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir1;
    @TempDir
    Path stateDir2;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldNotBringAForgottenKeyBackAfterARestart() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = IsolatedConfig.of(kafka.broker(), "it-forget-" + suffix, suffix, stateDir1)
                .with(AppConfig.FEATURES_KEY, "x1")
                .with(AppConfig.MODELS_KEY, "sgd:lr=0.5");
        kafka.broker().createTopics(2, config.topics());
        List<String> keys = List.of("k0", "k1", "k2", "k3");
        long ts = 1000;

        try (KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker());
             KafkaConsumer<String, byte[]> predictions = TestClients.consumer(kafka.broker());
             KafkaConsumer<String, byte[]> acks = TestClients.consumer(kafka.broker())) {
            predictions.subscribe(List.of(config.predictionsTopic()));
            acks.subscribe(List.of(config.forgetAcksTopic()));
            List<JsonNode> acked = new ArrayList<>();
            try (StreamlearnApp app = new StreamlearnApp(config)) {
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
                for (int round = 0; round < 5; round++) {
                    for (String k : keys) {
                        send(producer, config, k, "e" + round + k, ts++, 2.0);
                    }
                }
                Map<String, Long> versions = awaitOnePerKey(predictions, keys, 5);
                assertTrue(versions.get("k1") >= 4, "k1 learned: " + versions);

                producer.send(new ProducerRecord<>(config.controlTopic(), "forget:k1", "{}".getBytes(StandardCharsets.UTF_8)));
                producer.flush();
                TestClients.pollUntil(acks, Duration.ofSeconds(60), () -> !acked.isEmpty(), r -> acked.add(JSON.readTree(r.value())));
                assertEquals(1, acked.size(), "one acknowledgement");
                assertEquals("k1", acked.get(0).get("key").asText());
                assertEquals(1, acked.get(0).get("removed").asInt(), "k1's one model state");
            }

            // Restart on an empty state directory: every store is restored from its changelog.
            AppConfig restarted = config.with(AppConfig.STATE_DIR_KEY, stateDir2.toString());
            try (StreamlearnApp app = new StreamlearnApp(restarted)) {
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running again; state " + app.state());
                send(producer, config, "k1", "after-k1", ts++, null);
                send(producer, config, "k2", "after-k2", ts++, null);
                Map<String, Long> versions = awaitOnePerKey(predictions, List.of("k1", "k2"), 1);
                assertEquals(0L, versions.get("k1"), "the forgotten key starts from a fresh model");
                assertTrue(versions.get("k2") >= 5, "another key's model was restored: " + versions);
                TestClients.pollFor(acks, Duration.ofSeconds(3), r -> acked.add(JSON.readTree(r.value())));
                assertEquals(1, acked.size(), "the request is not carried out again after the restart: " + acked);
            }
        }
    }

    /** Reads predictions until each key has {@code n} more; returns each key's last model version. */
    private static Map<String, Long> awaitOnePerKey(KafkaConsumer<String, byte[]> consumer, List<String> keys, int n)
            throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Long> versions = new HashMap<>();
        TestClients.pollUntil(consumer, Duration.ofSeconds(90), () -> keys.stream().allMatch(k -> counts.getOrDefault(k, 0) >= n),
                r -> {
                    Prediction p = WireCodec.decodePrediction(r.value());
                    counts.merge(p.getKey(), 1, Integer::sum);
                    versions.put(p.getKey(), p.getVersion());
                });
        assertTrue(keys.stream().allMatch(k -> counts.getOrDefault(k, 0) >= n), "predictions per key: " + counts);
        return versions;
    }

    private static void send(KafkaProducer<String, byte[]> producer, AppConfig config, String key, String id, long ts,
                             Double label) {
        Event e = Event.newBuilder().setId(id).setKey(key).setTs(ts).setFeatures(Map.of("x1", 1.0)).setLabel(label).build();
        producer.send(new ProducerRecord<>(config.eventsTopic(), key, WireCodec.encode(e, WireFormat.JSON)));
        producer.flush();
    }
}
