package io.streamlearn.streams.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.Event;
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
import org.apache.kafka.common.TopicPartition;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code DELETE /models/{key}} against the real broker (2 partitions), through {@link QueryEndpoint}
 * attached to a {@link StreamlearnApp} as {@code streamlearn run} does: 202, then the acknowledgement
 * on {@code forget-acks}, {@code GET /models/{key}} answers 404 while another key keeps its model, the
 * models changelog ends with a tombstone for the key, and a restart on an EMPTY state directory
 * (restored from the changelogs) does not bring it back.
 */
class ForgetOverHttpIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "it-token";
    private static final String MODEL = "sgd:lr=0.5";
    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path stateDir1;
    @TempDir
    Path stateDir2;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldForgetAKeyForGoodThroughHttp() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = IsolatedConfig.of(kafka.broker(), "it-forget-http-" + suffix, suffix, stateDir1)
                .with(AppConfig.FEATURES_KEY, "x1")
                .with(AppConfig.MODELS_KEY, MODEL);
        kafka.broker().createTopics(2, config.topics());
        List<String> keys = List.of("k0", "k1", "k2", "k3");
        long ts = 1000;

        try (KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker());
             KafkaConsumer<String, byte[]> acks = TestClients.consumer(kafka.broker())) {
            acks.subscribe(List.of(config.forgetAcksTopic()));
            try (StreamlearnMetrics metrics = new StreamlearnMetrics();
                 QueryEndpoint endpoint = QueryEndpoint.start(ModelQueryServer.Options.local(0).withToken(TOKEN), metrics)) {
                HostInfo self = endpoint.hostInfo("127.0.0.1");
                AppConfig withServer = config.with(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
                try (StreamlearnApp app = new StreamlearnApp(withServer)) {
                    endpoint.attach(app, self);
                    app.start();
                    assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
                    for (int round = 0; round < 5; round++) {
                        for (String k : keys) {
                            send(producer, config, k, "e" + round + k, ts++);
                        }
                    }
                    for (String k : List.of("k1", "k2")) {
                        JsonNode model = awaitModel(endpoint, k, 5);
                        assertEquals(MODEL, model.get("models").get(0).get("model").asText());
                    }

                    assertEquals(401, delete(endpoint, "/models/k1", false).statusCode(), "the token is required");
                    HttpResponse<String> accepted = delete(endpoint, "/models/k1", true);
                    assertEquals(202, accepted.statusCode(), accepted.body());
                    JsonNode receipt = JSON.readTree(accepted.body());
                    assertEquals("k1", receipt.get("key").asText());
                    assertEquals(config.controlTopic(), receipt.get("request").get("topic").asText());
                    assertEquals(config.forgetAcksTopic(), receipt.get("acknowledgement").get("topic").asText());

                    List<ConsumerRecord<String, byte[]>> acked = pollAcks(acks, 1, Duration.ofSeconds(60));
                    assertEquals(1, acked.size(), "one acknowledgement");
                    assertEquals("k1", acked.get(0).key());
                    JsonNode ack = JSON.readTree(acked.get(0).value());
                    assertEquals("k1", ack.get("key").asText());
                    assertEquals(1, ack.get("removed").asInt(), "k1's one model state");

                    HttpResponse<String> gone = get(endpoint, "/models/k1");
                    assertEquals(404, gone.statusCode(), gone.body());
                    assertEquals(200, get(endpoint, "/models/k2").statusCode(), "another key keeps its model");
                    JsonNode listed = JSON.readTree(get(endpoint, "/models?prefix=k").body());
                    assertEquals(List.of("k0", "k2", "k3"), JSON.convertValue(listed.get("keys"), List.class));
                }
            }

            // The changelog's last record for k1's model is a tombstone (compaction will drop the state).
            Map<String, byte[]> last = lastChangelogValues(config.applicationId() + "-" + config.storeName() + "-changelog");
            String k1Model = "k1\u0000" + MODEL;
            assertTrue(last.containsKey(k1Model), "k1's model was in the changelog: " + last.keySet());
            assertNull(last.get(k1Model), "tombstone for k1");
            assertNotNull(last.get("k2\u0000" + MODEL), "k2's state is still there");

            // Restart on an empty state directory: every store is restored from its changelog.
            AppConfig restarted = config.with(AppConfig.STATE_DIR_KEY, stateDir2.toString());
            try (StreamlearnMetrics metrics = new StreamlearnMetrics();
                 QueryEndpoint endpoint = QueryEndpoint.start(ModelQueryServer.Options.local(0).withToken(TOKEN), metrics)) {
                HostInfo self = endpoint.hostInfo("127.0.0.1");
                try (StreamlearnApp app = new StreamlearnApp(restarted.with(StreamsConfig.APPLICATION_SERVER_CONFIG,
                        self.host() + ":" + self.port()))) {
                    endpoint.attach(app, self);
                    app.start();
                    assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running again; state " + app.state());
                    assertTrue(awaitModel(endpoint, "k2", 5).get("models").get(0).get("version").asLong() >= 5,
                            "k2 restored");
                    assertTrue(app.restoredRecords() > 0, "the empty state directory was filled from the changelogs");
                    HttpResponse<String> ready = get(endpoint, "/ready");
                    assertEquals(200, ready.statusCode(), ready.body());
                    assertEquals(0, JSON.readTree(ready.body()).get("restoringPartitions").asInt(), ready.body());
                    HttpResponse<String> still = get(endpoint, "/models/k1");
                    assertEquals(404, still.statusCode(), "k1 not brought back: " + still.body());
                    assertTrue(pollAcks(acks, 1, Duration.ofSeconds(3)).isEmpty(), "the request is not carried out again");
                }
            }
        }
    }

    /** Polls {@code GET /models/{key}} until its first model has at least {@code version}; returns the body. */
    private JsonNode awaitModel(QueryEndpoint endpoint, String key, long version) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String last = "";
        while (System.nanoTime() < until) {
            HttpResponse<String> r = get(endpoint, "/models/" + key);
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200) {
                JsonNode body = JSON.readTree(r.body());
                if (body.get("models").get(0).get("version").asLong() >= version) {
                    return body;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("model of " + key + " at version " + version + ": " + last);
    }

    private static List<ConsumerRecord<String, byte[]>> pollAcks(KafkaConsumer<String, byte[]> acks, int atMost, Duration wait)
            throws Exception {
        List<ConsumerRecord<String, byte[]>> out = TestClients.readUntil(acks, atMost, wait);
        // a little longer, to see a duplicate if there is one
        out.addAll(TestClients.readFor(acks, Duration.ofSeconds(1)));
        return out;
    }

    /** Every key's last value (null for a tombstone) in a topic, read_committed, up to its end offsets. */
    private static Map<String, byte[]> lastChangelogValues(String topic) {
        Map<String, byte[]> last = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = TestClients.consumer(kafka.broker())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                assertTrue(System.nanoTime() < until, "read the changelog to its end");
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    last.put(r.key(), r.value());
                }
            }
        }
        return last;
    }

    private HttpResponse<String> get(QueryEndpoint endpoint, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> delete(QueryEndpoint endpoint, String path, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
                .DELETE().timeout(Duration.ofSeconds(20));
        if (withToken) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void send(KafkaProducer<String, byte[]> producer, AppConfig config, String key, String id, long ts) {
        Event e = Event.newBuilder().setId(id).setKey(key).setTs(ts).setFeatures(Map.of("x1", 1.0)).setLabel(2.0).build();
        producer.send(new ProducerRecord<>(config.eventsTopic(), key, WireCodec.encode(e, WireFormat.JSON)));
        producer.flush();
    }
}
