package io.streamlearn.streams.integration;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.control.ModelControl;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * A change on {@code model-control} takes effect while events flow, without restart, and shows in
 * the predictions' {@code model} field; a malformed control record changes nothing.
 */
class ModelControlIT {

    private static final String CONFIGURED = "sgd:lr=0.5";
    private static final String NEW_CHAMPION = "kalman:q=1e-4";
    private static final String NEW_CHALLENGER = "sgd:lr=0.1";

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldSwitchAPrefixsModelsLiveWhileEventsFlow() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = IsolatedConfig.of(kafka.broker(), "it-control-" + suffix, suffix, stateDir)
                .with(AppConfig.FEATURES_KEY, "x1")
                .with(AppConfig.MODELS_KEY, CONFIGURED);
        kafka.broker().createTopics(2, config.topics());

        List<Prediction> champions = new ArrayList<>();
        List<Prediction> challengers = new ArrayList<>();
        try (StreamlearnApp app = new StreamlearnApp(config);
             KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker());
             KafkaConsumer<String, byte[]> consumer = TestClients.consumer(kafka.broker())) {
            app.start();
            assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
            consumer.subscribe(List.of(config.predictionsTopic(), config.shadowPredictionsTopic()));
            int sent = 0;
            boolean switched = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int sentAtSwitch = -1;
            // Events flow continuously; after 100 of them, the control change; go on until the new champion has
            // scored 100 sensor events.
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < 10; i++, sent++) {
                    String key = sent % 2 == 0 ? "sensor-" + (sent % 6) : "pump-" + (sent % 6);
                    Event e = Event.newBuilder().setId("e" + sent).setKey(key).setTs(1000L + sent)
                            .setFeatures(Map.of("x1", 1.0)).setLabel(2.0).build();
                    producer.send(new ProducerRecord<>(config.eventsTopic(), key, WireCodec.encode(e, WireFormat.JSON)));
                }
                producer.flush();
                if (!switched && sent >= 100) {
                    control(producer, config, "prefix:sensor-", "{\"scope\": \"prefix:sensor-\", \"models\": [\"" + NEW_CHALLENGER
                            + "\", \"" + NEW_CHAMPION + "\"], \"champion\": \"" + NEW_CHAMPION + "\"}");
                    control(producer, config, "prefix:pump-", "{\"models\": [\"nosuchlearner\"]}");   // malformed
                    switched = true;
                    sentAtSwitch = sent;
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    (r.topic().equals(config.predictionsTopic()) ? champions : challengers).add(WireCodec.decodePrediction(r.value()));
                }
                if (champions.stream().filter(p -> p.getModel().equals(NEW_CHAMPION)).count() >= 100) {
                    break;
                }
            }
            assertTrue(sentAtSwitch > 0);
            assertEquals(1, app.skippedRecords().count(ModelControl.BAD_CONTROL), "the malformed record was counted");
            consumer.unsubscribe();
            consumer.subscribe(List.of(config.deadLettersTopic()));
            List<io.streamlearn.schemas.DeadLetter> letters = new ArrayList<>();
            TestClients.pollUntil(consumer, Duration.ofSeconds(30), () -> !letters.isEmpty(),
                    r -> letters.add(WireCodec.decodeDeadLetter(r.value())));
            assertEquals(1, letters.size(), "the malformed control record is dead-lettered");
            assertEquals(ModelControl.BAD_CONTROL, letters.get(0).getReason());
            assertEquals("prefix:pump-", letters.get(0).getKey());
        }

        // Per key, in order: the configured model until the switch, then the new champion for good.
        Map<String, String> current = new HashMap<>();
        Map<String, Long> firstNewVersion = new HashMap<>();
        for (Prediction p : champions) {
            String before = current.put(p.getKey(), p.getModel());
            if (p.getKey().startsWith("pump-")) {
                assertEquals(CONFIGURED, p.getModel(), "pumps keep the configured model (the bad record changed nothing)");
            } else if (NEW_CHAMPION.equals(before)) {
                assertEquals(NEW_CHAMPION, p.getModel(), "no flip back after the switch: " + p);
            } else if (p.getModel().equals(NEW_CHAMPION)) {
                firstNewVersion.put(p.getKey(), p.getVersion());
            } else {
                assertEquals(CONFIGURED, p.getModel());
            }
        }
        assertEquals(3, firstNewVersion.size(), "every sensor key switched: " + firstNewVersion);
        firstNewVersion.forEach((k, v) -> assertEquals(0L, v, "the new champion starts fresh for " + k));
        assertTrue(champions.stream().anyMatch(p -> p.getKey().startsWith("sensor-") && p.getModel().equals(CONFIGURED)),
                "sensors were scored by the configured model before the switch");
        assertTrue(!challengers.isEmpty() && challengers.stream().allMatch(p -> p.getModel().equals(NEW_CHALLENGER)
                && p.getKey().startsWith("sensor-")), "the challenger goes to the shadow topic");
    }

    private static void control(KafkaProducer<String, byte[]> producer, AppConfig config, String scope, String json) {
        producer.send(new ProducerRecord<>(config.controlTopic(), scope, json.getBytes(StandardCharsets.UTF_8)));
        producer.flush();
    }
}
