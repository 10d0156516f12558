package io.streamlearn.streams.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.state.rocksdb.BoundedMemoryRocksDBConfig;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.demo.SyntheticEvents;
import io.streamlearn.streams.http.ModelQueryServer;
import io.streamlearn.streams.http.QueryEndpoint;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two application instances sharing one broker (4 partitions, so each owns some keys), each with its HTTP
 * endpoint: every key's models are answered by both, through the owner, and listings span both.
 */
class ModelQueriesIT {

    private static final int KEYS = 24;
    private static final int EVENTS = 1_200;
    private static final List<String> FEATURES = List.of("x1", "x2");
    private static final String MODEL = "sgd:lr=0.1";

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path stateA;
    @TempDir
    Path stateB;

    private HttpResponse<String> get(QueryEndpoint e, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean ownsPartitions(StreamlearnApp app) {
        for (ThreadMetadata t : app.streams().metadataForLocalThreads()) {
            if (!t.activeTasks().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldAnswerForKeysOwnedByEitherInstanceFromBoth() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig base = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, kafka.broker().bootstrapServers())
                .with(AppConfig.APPLICATION_ID_KEY, "it-http-" + suffix)
                .with(AppConfig.FEATURES_KEY, String.join(",", FEATURES))
                .with(AppConfig.MODELS_KEY, MODEL)
                .with(AppConfig.EVENTS_TOPIC_KEY, "events-" + suffix)
                .with(AppConfig.PREDICTIONS_TOPIC_KEY, "predictions-" + suffix)
                .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, "dead-letters-" + suffix)
                .with("commit.interval.ms", "100");
        kafka.broker().createTopics(4, base.topics());

        try (StreamlearnMetrics metricsA = new StreamlearnMetrics();
             StreamlearnMetrics metricsB = new StreamlearnMetrics();
             QueryEndpoint httpA = QueryEndpoint.start(ModelQueryServer.Options.local(0), metricsA);
             QueryEndpoint httpB = QueryEndpoint.start(ModelQueryServer.Options.local(0), metricsB)) {
            HostInfo selfA = httpA.hostInfo("127.0.0.1");
            HostInfo selfB = httpB.hostInfo("127.0.0.1");
            AppConfig configA = base.with(AppConfig.STATE_DIR_KEY, stateA.toString())
                    .with(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + selfA.port());
            AppConfig configB = base.with(AppConfig.STATE_DIR_KEY, stateB.toString())
                    .with(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + selfB.port());
            try (StreamlearnApp a = new StreamlearnApp(configA); StreamlearnApp b = new StreamlearnApp(configB)) {
                httpA.attach(a.streams(), configA.storeName(), configA.featureSpace(), configA.models(), selfA);
                httpB.attach(b.streams(), configB.storeName(), configB.featureSpace(), configB.models(), selfB);
                assertEquals(503, get(httpA, "/health").statusCode(), "not running yet");
                a.start();
                b.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (!(a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING
                        && ownsPartitions(a) && ownsPartitions(b))) {
                    assertTrue(System.nanoTime() < deadline, "both instances running with partitions: " + a.state() + ", " + b.state());
                    Thread.sleep(200);
                }

                SyntheticEvents gen = new SyntheticEvents(11, KEYS, FEATURES, 0.1, 0.75);
                Map<String, Long> labelled = new TreeMap<>();
                try (KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker())) {
                    for (int i = 0; i < EVENTS; i++) {
                        Event e = gen.next();
                        if (e.getLabel() != null) {
                            labelled.merge(e.getKey(), 1L, Long::sum);
                        }
                        producer.send(new ProducerRecord<>(base.eventsTopic(), e.getKey(), WireCodec.encode(e, WireFormat.JSON)));
                    }
                }

                // Every key's model version reaches its count of labelled events, seen from either endpoint.
                Set<String> owners = new HashSet<>();
                for (Map.Entry<String, Long> k : labelled.entrySet()) {
                    String path = "/models/" + URLEncoder.encode(k.getKey(), StandardCharsets.UTF_8);
                    JsonNode fromA = null;
                    while (true) {
                        HttpResponse<String> r = get(httpA, path);
                        if (r.statusCode() == 200) {
                            fromA = json.readTree(r.body());
                            if (fromA.get("models").get(0).get("version").asLong() == k.getValue()) {
                                break;
                            }
                        }
                        assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(60),
                                "key " + k.getKey() + " reaches version " + k.getValue() + ": " + r.statusCode() + " " + r.body());
                        Thread.sleep(100);
                    }
                    HttpResponse<String> rb = get(httpB, path);
                    assertEquals(200, rb.statusCode(), rb.body());
                    JsonNode fromB = json.readTree(rb.body());
                    assertEquals(fromA.get("instance").asText(), fromB.get("instance").asText(), "both answer through the owner");
                    assertEquals(fromA.get("models"), fromB.get("models"));
                    JsonNode model = fromA.get("models").get(0);
                    assertEquals(MODEL, model.get("model").asText());
                    assertTrue(model.get("state").size() > 0, "the learner's inspect arrays: " + model);
                    owners.add(fromA.get("instance").asText());
                }
                assertEquals(Set.of("127.0.0.1:" + selfA.port(), "127.0.0.1:" + selfB.port()), owners,
                        "keys are owned by both instances");

                // Listing from either instance spans both.
                for (QueryEndpoint e : List.of(httpA, httpB)) {
                    HttpResponse<String> r = get(e, "/models?limit=1000");
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode list = json.readTree(r.body());
                    assertEquals(labelled.keySet().size(), list.get("keys").size(), list.toString());
                    assertEquals(2, list.get("instances").asInt());
                }

                // Scoring through the other instance: the owner answers, nothing is learned.
                String key = labelled.keySet().iterator().next();
                String body = "{\"key\":\"" + key + "\",\"features\":{\"x1\":0.5,\"x2\":-1.0}}";
                for (QueryEndpoint e : List.of(httpA, httpB)) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + "/score"))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode p = json.readTree(r.body()).get("predictions").get(0);
                    assertEquals((long) labelled.get(key), p.get("version").asLong());
                    assertTrue(Double.isFinite(p.get("mean").asDouble()));
                }

                assertTrue(BoundedMemoryRocksDBConfig.sharedBudgets() >= 1, "the stores use the bounded RocksDB config");
                assertEquals(200, get(httpA, "/health").statusCode());
                assertEquals(200, get(httpB, "/health").statusCode());
                String metrics = get(httpA, "/metrics").body();
                assertTrue(metrics.contains("kafka_stream_"), "Kafka Streams client metrics are bound");
            }
        }
    }
}
