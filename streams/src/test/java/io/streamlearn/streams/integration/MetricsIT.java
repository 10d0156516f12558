package io.streamlearn.streams.integration;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.http.ModelQueryServer;
import io.streamlearn.streams.http.QueryEndpoint;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prometheus endpoint of a running instance against a real (in-process) broker, exactly-once, two
 * partitions: a known mix of valid, inline-labelled, malformed and old events, then labels that join,
 * repeat, name unknown events, come past the horizon or cannot be decoded; {@code GET /metrics} over
 * HTTP must count exactly that.
 */
class MetricsIT {

    private static final String CHAMPION = "sgd:lr=0.05";
    private static final String SHADOW = "kalman";
    private static final int KEYS = 8;
    private static final int EVENTS_PER_KEY = 25;

    private static EmbeddedKafkaBroker broker;

    @TempDir
    Path stateDir;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldServeCountersHistogramsErrorsAndStoreSizesThatMatchWhatWasSent() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        try (StreamlearnMetrics metrics = new StreamlearnMetrics();
             QueryEndpoint endpoint = QueryEndpoint.start(ModelQueryServer.Options.local(0), metrics)) {
            HostInfo self = endpoint.hostInfo("127.0.0.1");
            AppConfig config = IsolatedConfig.of(broker, "it-metrics-" + suffix, suffix, stateDir)
                    .with(AppConfig.FEATURES_KEY, "x1,x2")
                    .with(AppConfig.MODELS_KEY, CHAMPION + ";" + SHADOW)
                    .with(AppConfig.LABEL_HORIZON_KEY, "1h")
                    .with(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + self.port());
            broker.createTopics(2, config.topics());
            URI scrape = URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics");
            try (StreamlearnApp app = new StreamlearnApp(config, metrics.registry());
                 KafkaProducer<String, byte[]> producer = producer();
                 KafkaConsumer<String, byte[]> consumer = consumer()) {
                endpoint.attach(app.streams(), config.storeName(), config.featureSpace(), config.models(), self);
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
                consumer.subscribe(List.of(config.predictionsTopic(), config.shadowPredictionsTopic(), config.deadLettersTopic()));

                // Phase 1: per key, one event 90 min old (unlabelled; its label will come past the 1 h horizon, but before
                // the entry is dropped at two horizons, so it is "expired", not "unknown-event"), then recent
                // events, every third with its label inline; three malformed records.
                Random random = new Random(7);
                long now = System.currentTimeMillis();
                List<Event> pending = new ArrayList<>();
                List<String> old = new ArrayList<>();
                int valid = 0;
                for (int k = 0; k < KEYS; k++) {
                    String key = "key-" + k;
                    send(producer, config, event(key, key + "-old", now - 90 * 60_000L, random, false));
                    old.add(key);
                    valid++;
                    for (int i = 0; i < EVENTS_PER_KEY; i++) {
                        Event e = event(key, key + "-e" + i, now + i, random, i % 3 == 0);
                        send(producer, config, e);
                        valid++;
                        if (e.getLabel() == null) {
                            pending.add(e);
                        }
                    }
                }
                producer.send(new ProducerRecord<>(config.eventsTopic(), "key-0", "{".getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>(config.eventsTopic(), "key-1", "{\"id\":".getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>(config.eventsTopic(), "key-2", "not json".getBytes(StandardCharsets.UTF_8)));
                int malformed = 3;
                producer.flush();
                Map<String, Integer> outputs = drain(consumer, config, Map.of(config.predictionsTopic(), valid,
                        config.shadowPredictionsTopic(), valid, config.deadLettersTopic(), malformed));

                // Phase 2: labels. Half the pending events get one, a third of those a second one; one unknown event
                // per key, every old event's label (expired), and one undecodable label.
                int joined = 0;
                int duplicates = 0;
                int unknown = 0;
                List<ProducerRecord<String, byte[]>> second = new ArrayList<>();
                for (int i = 0; i < pending.size(); i += 2) {
                    Event e = pending.get(i);
                    ProducerRecord<String, byte[]> l = label(config, e.getKey(), e.getId(), now + 100, truth(e));
                    producer.send(l);
                    joined++;
                    if (joined % 3 == 0) {
                        second.add(l);
                        duplicates++;
                    }
                }
                for (String key : old) {
                    producer.send(label(config, key, key + "-old", now + 100, 1.0));
                    producer.send(label(config, key, key + "-nope", now + 100, 1.0));
                    unknown++;
                }
                int expired = old.size();
                producer.flush();
                second.forEach(producer::send);   // after the first labels: these are duplicates
                producer.send(new ProducerRecord<>(config.labelsTopic(), "key-3", "{".getBytes(StandardCharsets.UTF_8)));
                producer.flush();
                int letters = malformed + unknown + expired + duplicates + 1;
                outputs = drain(consumer, config, Map.of(config.deadLettersTopic(), letters - malformed));

                // The joined labels write nothing: wait until the endpoint has counted every label, then a little more
                // (so that a count that would go too far has the time to), and read it again.
                int labels = joined + duplicates + unknown + expired + 1;
                Map<Series, Double> samples = awaitScrape(scrape, s -> sum(s, "streamlearn_labels_total") >= labels);
                Thread.sleep(2000);
                String text = get(scrape);
                samples = parse(text);

                assertEquals(valid, value(samples, "streamlearn_events_total", "outcome", "scored"), "events scored");
                assertEquals(malformed, value(samples, "streamlearn_events_total", "outcome", "dead-letter"));
                assertEquals(valid, value(samples, "streamlearn_predictions_total", "model", CHAMPION, "role", "champion"));
                assertEquals(valid, value(samples, "streamlearn_predictions_total", "model", SHADOW, "role", "shadow"));
                assertEquals(2, count(samples, "streamlearn_predictions_total"), "one series per model and role");

                assertEquals(joined, value(samples, "streamlearn_labels_total", "outcome", "joined"));
                assertEquals(duplicates, value(samples, "streamlearn_labels_total", "outcome", "duplicate-label"));
                assertEquals(unknown, value(samples, "streamlearn_labels_total", "outcome", "unknown-event"));
                assertEquals(expired, value(samples, "streamlearn_labels_total", "outcome", "expired"));
                assertEquals(1, value(samples, "streamlearn_labels_total", "outcome", "invalid"));

                Map<String, Double> reasons = new TreeMap<>();
                samples.forEach((s, v) -> {
                    if (s.name.equals("streamlearn_dead_letters_total")) {
                        reasons.put(s.labels.get("reason"), v);
                    }
                });
                assertEquals(Map.of("malformed-json", 3.0, "unknown-format", 1.0, "unknown-event", (double) unknown,
                        "expired", (double) expired, "duplicate-label", (double) duplicates), reasons, "dead letters by reason");
                assertEquals(letters - malformed, outputs.get(config.deadLettersTopic()), "dead letters of the labels written");

                assertEquals(valid, value(samples, "streamlearn_event_to_output_seconds_count"), "one per champion prediction");
                assertEquals(valid, value(samples, "streamlearn_event_to_output_seconds_bucket", "le", "+Inf"));
                assertTrue(value(samples, "streamlearn_event_to_output_seconds_bucket", "le", "3600.0") >= valid - KEYS,
                        "the recent events are out within the hour:\n" + text);
                assertEquals(valid, value(samples, "streamlearn_processing_seconds_count", "route", "events"));
                assertEquals(joined, value(samples, "streamlearn_processing_seconds_count", "route", "labels"));
                assertTrue(value(samples, "streamlearn_processing_seconds_sum", "route", "events") > 0);

                for (String model : List.of(CHAMPION, SHADOW)) {
                    double mse = value(samples, "streamlearn_model_error", "model", model, "metric", "mse");
                    assertTrue(Double.isFinite(mse) && mse > 0, model + " rolling MSE " + mse);
                    double mae = value(samples, "streamlearn_model_error", "model", model, "metric", "mae");
                    assertTrue(mae > 0 && mae * mae <= mse + 1e-12, model + " MAE " + mae + " and MSE " + mse + " (Jensen)");
                }
                double models = value(samples, "streamlearn_store_entries", "store", config.storeName());
                // RocksDB's estimate counts a key once per write not yet compacted away, and nothing was deleted here
                assertTrue(models >= 2 * KEYS, "models store entries, at least one per key and model: " + models);
                double pendingEntries = value(samples, "streamlearn_store_entries", "store", config.pendingStoreName());
                assertTrue(pendingEntries >= 1, "pending-labels store entries " + pendingEntries);
                assertTrue(samples.keySet().stream().anyMatch(s -> s.name.startsWith("kafka_stream_")),
                        "Kafka Streams client metrics are bound");
                // Task metrics exist only once tasks are assigned, after binding: the binding's refresh finds them.
                awaitScrape(scrape, s -> s.keySet().stream().anyMatch(x -> x.name.startsWith("kafka_stream_task_")));
                String last = get(scrape);
                System.out.println("MetricsIT scrape (streamlearn_*, kafka_stream_streamlearn_*):\n" + last.lines()
                        .filter(l -> l.startsWith("streamlearn_") || l.startsWith("# TYPE streamlearn_")
                                || l.startsWith("kafka_stream_streamlearn_"))
                        .reduce((a, b) -> a + "\n" + b).orElse(""));
            }
        }
    }

    /** A Prometheus series: metric name and labels. */
    record Series(String name, Map<String, String> labels) {
    }

    /**
     * Parses the Prometheus text format: {@code name{label="value",...} value} lines; comments skipped.
     * Label values may contain escaped quotes and backslashes, and commas, colons and equals signs.
     */
    static Map<Series, Double> parse(String text) {
        Map<Series, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            Map<String, String> labels = new TreeMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String label = line.substring(i, eq);
                    i = eq + 2;   // past ="
                    StringBuilder v = new StringBuilder();
                    while (line.charAt(i) != '"') {
                        char c = line.charAt(i++);
                        if (c == '\\') {
                            char n = line.charAt(i++);
                            v.append(n == 'n' ? '\n' : n);
                        } else {
                            v.append(c);
                        }
                    }
                    i++;   // past the closing quote
                    labels.put(label, v.toString());
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
            }
            String[] rest = line.substring(i).trim().split(" ");
            out.put(new Series(name, labels), number(rest[0]));
        }
        return out;
    }

    private static double number(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    /** The value of the one series of {@code name} whose labels include the given pairs. */
    private static double value(Map<Series, Double> samples, String name, String... labels) {
        List<Double> found = new ArrayList<>();
        samples.forEach((s, v) -> {
            if (s.name.equals(name) && has(s, labels)) {
                found.add(v);
            }
        });
        assertEquals(1, found.size(), "series " + name + " " + List.of(labels) + " among " + samples.keySet().stream()
                .filter(s -> s.name.startsWith(name)).toList());
        return found.get(0);
    }

    private static boolean has(Series s, String... labels) {
        for (int i = 0; i < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels.get(labels[i]))) {
                return false;
            }
        }
        return true;
    }

    private static double sum(Map<Series, Double> samples, String name) {
        return samples.entrySet().stream().filter(e -> e.getKey().name.equals(name)).mapToDouble(Map.Entry::getValue).sum();
    }

    private static long count(Map<Series, Double> samples, String name) {
        return samples.keySet().stream().filter(s -> s.name.equals(name)).count();
    }

    private Map<Series, Double> awaitScrape(URI uri, Predicate<Map<Series, Double>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            Map<Series, Double> s = parse(get(uri));
            if (done.test(s)) {
                return s;
            }
            assertTrue(System.nanoTime() < deadline, "timed out waiting for the metrics; labels counted so far "
                    + sum(s, "streamlearn_labels_total") + ", Kafka Streams meters " + s.keySet().stream()
                    .filter(x -> x.name.startsWith("kafka_stream_")).map(Series::name).distinct().toList());
            Thread.sleep(200);
        }
    }

    private String get(URI uri) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        return r.body();
    }

    private static Event event(String key, String id, long ts, Random random, boolean labelled) {
        Map<String, Double> f = Map.of("x1", random.nextGaussian(), "x2", random.nextGaussian());
        Event e = Event.newBuilder().setId(id).setKey(key).setTs(ts).setFeatures(f).setLabel(null).build();
        if (labelled) {
            e.setLabel(truth(e) + 0.1 * random.nextGaussian());
        }
        return e;
    }

    private static double truth(Event e) {
        return 2 * e.getFeatures().get("x1") - e.getFeatures().get("x2") + 0.5;
    }

    private static void send(KafkaProducer<String, byte[]> producer, AppConfig config, Event e) {
        producer.send(new ProducerRecord<>(config.eventsTopic(), e.getKey(), WireCodec.encode(e, WireFormat.JSON)));
    }

    private static ProducerRecord<String, byte[]> label(AppConfig config, String key, String id, long ts, double y) {
        Label l = Label.newBuilder().setId(id).setKey(key).setTs(ts).setLabel(y).build();
        return new ProducerRecord<>(config.labelsTopic(), key, WireCodec.encode(l, WireFormat.AVRO));
    }

    /** Reads until each topic got at least its expected count of records, then 1 s more; returns the counts. */
    private static Map<String, Integer> drain(KafkaConsumer<String, byte[]> consumer, AppConfig config,
                                              Map<String, Integer> expected) throws Exception {
        Map<String, Integer> got = new TreeMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        long quietUntil = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, quietUntil)) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                got.merge(r.topic(), 1, Integer::sum);
            }
            if (quietUntil == Long.MAX_VALUE && expected.entrySet().stream()
                    .allMatch(e -> got.getOrDefault(e.getKey(), 0) >= e.getValue())) {
                quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
        }
        expected.forEach((topic, n) -> assertEquals(n, got.getOrDefault(topic, 0), "records on " + topic));
        return got;
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
