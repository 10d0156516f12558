package io.streamlearn.streams.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.http.ModelQueryServer;
import io.streamlearn.streams.http.QueryEndpoint;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP view sees exactly what the topology runs: a model started for a key prefix through the
 * {@code model-control} topic (not in the configured {@code --model} list) is listed by
 * {@code GET /models/{key}} as run, and {@code POST /score} scores with it the very prediction the
 * topology then publishes for the same event.
 */
class ControlledScoringOverHttpIT {

    private static final String CONFIGURED = "sgd:lr=0.01";
    private static final String STARTED = "sgd:step=adagrad,lr=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path stateDir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldScoreOverHttpWithTheModelTheControlTopicStarted() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = IsolatedConfig.of(kafka.broker(), "it-control-http-" + suffix, suffix, stateDir)
                .with(AppConfig.FEATURES_KEY, "x1,x2")
                .with(AppConfig.MODELS_KEY, CONFIGURED);
        kafka.broker().createTopics(2, config.topics());
        String key = "sensor-7";

        try (StreamlearnMetrics metrics = new StreamlearnMetrics();
             QueryEndpoint endpoint = QueryEndpoint.start(ModelQueryServer.Options.local(0), metrics);
             KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker());
             KafkaConsumer<String, byte[]> predictions = TestClients.consumer(kafka.broker())) {
            HostInfo self = endpoint.hostInfo("127.0.0.1");
            try (StreamlearnApp app = new StreamlearnApp(config.with(StreamsConfig.APPLICATION_SERVER_CONFIG,
                    self.host() + ":" + self.port()))) {
                endpoint.attach(app, self);
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
                predictions.subscribe(List.of(config.predictionsTopic()));
                producer.send(new ProducerRecord<>(config.controlTopic(), "prefix:sensor-",
                        ("{\"models\": [\"" + STARTED + "\"]}").getBytes(StandardCharsets.UTF_8)));
                producer.flush();

                // Labelled events until the topology has scored the key with the started model 20 times.
                long ts = 1000;
                List<Prediction> published = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (published.stream().filter(p -> p.getModel().equals(STARTED)).count() < 20) {
                    assertTrue(System.nanoTime() < deadline, "the control record reaches the topology: " + published.size());
                    send(producer, config, key, "e" + ts, ts, Map.of("x1", 0.1 * (ts % 7), "x2", 1.0), 2.0 + 0.01 * (ts % 5));
                    ts++;
                    for (ConsumerRecord<String, byte[]> r : predictions.poll(Duration.ofMillis(100))) {
                        published.add(WireCodec.decodePrediction(r.value()));
                    }
                }
                long sent = ts - 1000;
                TestClients.pollUntil(predictions, Duration.ofSeconds(60), () -> published.size() >= sent,
                        r -> published.add(WireCodec.decodePrediction(r.value())));
                assertEquals(sent, published.size(), "one champion prediction per event");
                Prediction last = published.get(published.size() - 1);
                assertEquals(STARTED, last.getModel(), "the prefix stays on the started model");
                long version = last.getVersion() + 1;   // every event carried its label

                // GET /models/{key}: the started model, run and champion, with every label learned.
                JsonNode model = null;
                while (model == null) {
                    assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(30), "GET /models/" + key + " lists "
                            + STARTED + " at version " + version);
                    HttpResponse<String> r = get(endpoint, "/models/" + key);
                    if (r.statusCode() == 200) {
                        for (JsonNode each : JSON.readTree(r.body()).get("models")) {
                            if (each.get("model").asText().equals(STARTED) && each.get("version").asLong() == version) {
                                model = each;
                            }
                        }
                    }
                    Thread.sleep(100);
                }
                assertTrue(model.get("champion").asBoolean(), model.toString());
                assertTrue(!model.has("error") || model.get("error").isNull(), "run by this application: " + model);
                assertTrue(model.get("state").size() > 0, "decoded with the started learner: " + model);

                // POST /score, then the same event through the topology: the same model, version and prediction.
                long at = ts + 5;
                HttpResponse<String> scored = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/score"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"" + key
                                + "\", \"features\": {\"x1\": 0.35, \"x2\": -1.5}, \"time\": " + at + "}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, scored.statusCode(), scored.body());
                JsonNode overHttp = JSON.readTree(scored.body()).get("predictions");
                assertEquals(1, overHttp.size(), "only the model that runs for the key: " + overHttp);
                assertEquals(STARTED, overHttp.get(0).get("model").asText());
                assertFalse(overHttp.get(0).get("fresh").asBoolean());

                send(producer, config, key, "probe", at, Map.of("x1", 0.35, "x2", -1.5), null);
                List<Prediction> probe = new ArrayList<>();
                TestClients.pollUntil(predictions, Duration.ofSeconds(60), () -> !probe.isEmpty(), r -> {
                    Prediction p = WireCodec.decodePrediction(r.value());
                    if (p.getId().equals("probe")) {
                        probe.add(p);
                    }
                });
                assertEquals(1, probe.size(), "the topology scored the probe event");
                Prediction live = probe.get(0);
                assertEquals(STARTED, live.getModel());
                assertEquals(live.getVersion(), overHttp.get(0).get("version").asLong());
                assertEquals(version, live.getVersion(), "the state GET /models showed");
                assertEquals(live.getPrediction(), overHttp.get(0).get("mean").asDouble(), 0.0,
                        "POST /score gives the topology's prediction for the same event");
            }
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, AppConfig config, String key, String id, long ts,
                             Map<String, Double> features, Double label) {
        Event e = Event.newBuilder().setId(id).setKey(key).setTs(ts).setFeatures(features).setLabel(label).build();
        producer.send(new ProducerRecord<>(config.eventsTopic(), key, WireCodec.encode(e, WireFormat.JSON)));
        producer.flush();
    }

    private HttpResponse<String> get(QueryEndpoint e, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
