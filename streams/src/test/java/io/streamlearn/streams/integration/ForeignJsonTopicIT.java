package io.streamlearn.streams.integration;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.score.ScoringStep;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JSON topic in a shape of its own through the real topology on the in-process broker: nested objects,
 * text, booleans, nulls and an array; the key ({@code account.id}), time ({@code occurred_at}, ISO-8601),
 * label ({@code outcome}, text: {@code fraud} is 1) and id ({@code tx_id}) under names of their own; delayed
 * labels on a labels topic of another shape ({@code chargeback}, a boolean, naming {@code tx}). Every
 * prediction equals, bit for bit, the scoring step's over features written out by hand (text as the
 * indicator {@code path=value}); records that cannot be mapped are dead-lettered with the new reasons and
 * the path.
 */
class ForeignJsonTopicIT {

    private static final int KEYS = 4;
    private static final int EVENTS_PER_KEY = 40;
    private static final long T0 = Instant.parse("2024-03-01T10:00:00Z").toEpochMilli();
    private static final String[] CATEGORIES = {"grocery", "travel", "fuel"};
    private static final String[] COUNTRIES = {"FR", "DE"};

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir;

    /** One event as sent, and the features the topology should see (written out here, not by the mapping). */
    private record Sent(String key, String id, long ts, Map<String, Double> features, Double label) {
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldScoreAForeignJsonTopicWithAPropertiesFileAndNoCode() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = IsolatedConfig.of(kafka.broker(), "it-foreign-" + suffix, suffix, stateDir).with(Map.of(
                "streamlearn.models", "sgd:lr=0.05",
                "streamlearn.features", "amount,card.present,merchant.category=*,merchant.country=*,account.tier=*",
                "streamlearn.features.text-buckets", "8",
                "streamlearn.input.key", "account.id",
                "streamlearn.input.timestamp", "occurred_at",
                "streamlearn.input.label", "outcome",
                "streamlearn.input.label.positive", "fraud",
                "streamlearn.input.id", "tx_id",
                "streamlearn.input.features", "*"));
        AppConfig mapped = config.with(Map.of(
                "streamlearn.labels.key", "account.id",
                "streamlearn.labels.timestamp", "observed_at",
                "streamlearn.labels.label", "chargeback",
                "streamlearn.labels.id", "tx"));
        run(mapped);
    }

    private void run(AppConfig config) throws Exception {
        kafka.broker().createTopics(2, config.topics());
        Random random = new Random(11);

        Map<String, List<Sent>> byKey = new TreeMap<>();
        List<ProducerRecord<String, byte[]>> labels = new ArrayList<>();
        Map<String, Sent> pendingLabel = new LinkedHashMap<>();
        List<ProducerRecord<String, byte[]>> events = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            String key = "acct-" + k;
            String tier = k % 2 == 0 ? "gold" : "basic";
            for (int i = 0; i < EVENTS_PER_KEY; i++) {
                String id = key + "-t" + i;
                long ts = T0 + i * 60_000L;
                double amount = Math.round(random.nextDouble() * 10_000) / 100.0;
                String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
                String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
                boolean present = random.nextBoolean();
                boolean fraud = category.equals("travel") && !present;
                boolean inline = i % 4 != 3;
                String json = "{\"tx_id\":\"" + id + "\",\"occurred_at\":\"" + Instant.ofEpochMilli(ts) + "\","
                        + "\"account\":{\"id\":\"" + key + "\",\"tier\":\"" + tier + "\"},\"amount\":" + amount + ","
                        + "\"merchant\":{\"category\":\"" + category + "\",\"country\":\"" + country + "\"},"
                        + "\"card\":{\"present\":" + present + "},\"device\":{\"os\":null},\"tags\":[\"web\",\"promo\"],"
                        + "\"outcome\":" + (inline ? "\"" + (fraud ? "fraud" : "ok") + "\"" : "null") + "}";
                Map<String, Double> features = new HashMap<>();
                features.put("amount", amount);
                features.put("card.present", present ? 1.0 : 0.0);
                features.put("merchant.category=" + category, 1.0);
                features.put("merchant.country=" + country, 1.0);
                features.put("account.tier=" + tier, 1.0);
                Sent s = new Sent(key, id, ts, features, inline ? (fraud ? 1.0 : 0.0) : null);
                byKey.computeIfAbsent(key, x -> new ArrayList<>()).add(s);
                events.add(new ProducerRecord<>(config.eventsTopic(), key, json.getBytes(StandardCharsets.UTF_8)));
                if (!inline) {
                    pendingLabel.put(id, s);
                    labels.add(new ProducerRecord<>(config.labelsTopic(), key, ("{\"tx\":\"" + id + "\",\"account\":{\"id\":\""
                            + key + "\"},\"observed_at\":" + (ts + 1000) + ",\"chargeback\":" + fraud + "}")
                            .getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
        Map<String, String> badEvents = new LinkedHashMap<>();   // reason -> JSON
        badEvents.put("unmapped-key", "{\"tx_id\":\"b1\",\"occurred_at\":\"2024-03-01T10:00:00Z\",\"account\":{\"tier\":\"gold\"},\"amount\":1}");
        badEvents.put("unmapped-timestamp", "{\"tx_id\":\"b2\",\"occurred_at\":\"yesterday\",\"account\":{\"id\":\"acct-0\"},\"amount\":1}");
        badEvents.put("bad-label", "{\"tx_id\":\"b3\",\"occurred_at\":1709287200000,\"account\":{\"id\":\"acct-0\"},\"outcome\":{\"code\":1}}");
        Map<String, String> paths = Map.of("unmapped-key", "account.id", "unmapped-timestamp", "occurred_at", "bad-label", "outcome");

        try (StreamlearnApp app = new StreamlearnApp(config);
             KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker());
             KafkaConsumer<String, byte[]> consumer = TestClients.consumer(kafka.broker())) {
            app.start();
            assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
            consumer.subscribe(List.of(config.predictionsTopic(), config.deadLettersTopic()));

            events.forEach(producer::send);
            badEvents.values().forEach(json -> producer.send(new ProducerRecord<>(config.eventsTopic(), "acct-0",
                    json.getBytes(StandardCharsets.UTF_8))));
            producer.flush();
            List<DeadLetter> letters = new ArrayList<>();
            List<Prediction> first = drain(consumer, config, KEYS * EVENTS_PER_KEY, 3, letters);

            labels.forEach(producer::send);
            producer.send(new ProducerRecord<>(config.labelsTopic(), "acct-1",
                    "{\"tx\":\"acct-1-t3\",\"account\":{\"id\":\"acct-1\"},\"observed_at\":1709287300000}".getBytes(StandardCharsets.UTF_8)));
            producer.flush();
            drain(consumer, config, 0, 1, letters);

            for (int k = 0; k < KEYS; k++) {
                String key = "acct-" + k;
                String probe = "{\"tx_id\":\"" + key + "-probe\",\"occurred_at\":\"2024-03-02T00:00:00Z\",\"account\":{\"id\":\""
                        + key + "\",\"tier\":\"gold\"},\"amount\":50.0,\"merchant\":{\"category\":\"travel\",\"country\":\"FR\"},"
                        + "\"card\":{\"present\":false}}";
                producer.send(new ProducerRecord<>(config.eventsTopic(), key, probe.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            List<Prediction> probes = drain(consumer, config, KEYS, 0, letters);

            // Dead letters: the mapping's reasons, with the path first in the detail.
            Map<String, String> details = new TreeMap<>();
            for (DeadLetter d : letters) {
                details.put(d.getReason() + (d.getTopic().equals(config.labelsTopic()) ? "@labels" : ""), d.getDetail());
            }
            assertEquals(List.of("bad-label", "bad-label@labels", "unmapped-key", "unmapped-timestamp"),
                    new ArrayList<>(details.keySet()), "dead letters by reason: " + details);
            for (Map.Entry<String, String> p : paths.entrySet()) {
                assertTrue(details.get(p.getKey()).startsWith(p.getValue() + ": "), details.get(p.getKey()));
            }
            assertTrue(details.get("bad-label@labels").startsWith("chargeback: "), details.get("bad-label@labels"));

            // Reference: per key, the scoring step over hand-written features, in the order sent; then the
            // delayed labels learned from the pending events' features; then the probes.
            ScoringStep reference = new ScoringStep(config.featureSpace(), config.models());
            InMemoryModelStore store = new InMemoryModelStore();
            Map<String, Double> expected = new HashMap<>();
            for (List<Sent> sent : byKey.values()) {
                for (Sent s : sent) {
                    reference.score(s.key(), s.ts(), s.features(), s.label() == null ? Double.NaN : s.label(), store,
                            (model, champion, version, mean, stddev) -> expected.put(s.id(), mean));
                }
            }
            assertEquals(KEYS * EVENTS_PER_KEY, first.size());
            for (Prediction p : first) {
                Double e = expected.get(p.getId());
                assertNotNull(e, "a prediction per event, under its own id: " + p.getId());
                assertEquals(Double.doubleToRawLongBits(e), Double.doubleToRawLongBits(p.getPrediction()), p.getId());
            }
            for (ProducerRecord<String, byte[]> r : labels) {
                String json = new String(r.value(), StandardCharsets.UTF_8);
                String id = json.substring(7, json.indexOf('"', 7));
                Sent s = pendingLabel.get(id);
                reference.learn(s.key(), s.ts(), s.features(), json.contains("\"chargeback\":true") ? 1.0 : 0.0, store);
            }
            Map<String, Double> probeFeatures = Map.of("amount", 50.0, "card.present", 0.0, "merchant.category=travel", 1.0,
                    "merchant.country=FR", 1.0, "account.tier=gold", 1.0);
            for (Prediction p : probes) {
                double[] e = new double[1];
                reference.score(p.getKey(), p.getTs(), probeFeatures, Double.NaN, store,
                        (model, champion, v, mean, stddev) -> e[0] = mean);
                assertEquals(Double.doubleToRawLongBits(e[0]), Double.doubleToRawLongBits(p.getPrediction()), p.getKey());
                assertEquals(EVENTS_PER_KEY, p.getVersion(), "every event's label learned (inline or delayed): " + p);
                assertEquals(Instant.parse("2024-03-02T00:00:00Z").toEpochMilli(), p.getTs());
            }
        }
    }

    /** Reads until {@code predictions} predictions and {@code letters} more dead letters came, then 1 s more. */
    private static List<Prediction> drain(KafkaConsumer<String, byte[]> consumer, AppConfig config, int predictions, int letters,
                                          List<DeadLetter> deadLetters) throws Exception {
        List<Prediction> out = new ArrayList<>();
        int target = deadLetters.size() + letters;
        TestClients.pollUntilThenFor(consumer, Duration.ofSeconds(90),
                () -> out.size() >= predictions && deadLetters.size() >= target, Duration.ofSeconds(1), r -> {
                    if (r.topic().equals(config.deadLettersTopic())) {
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
