package io.streamlearn.streams.integration;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.deploy.MonitoringQueries;
import io.streamlearn.streams.http.ModelQueryServer;
import io.streamlearn.streams.http.QueryEndpoint;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped Grafana dashboard and Prometheus rules ask only for series a running instance serves:
 * every metric name in their queries ({@link MonitoringQueries}) must appear in {@code GET /metrics} of
 * an application that has scored events, joined labels and dead-lettered a record.
 */
class DashboardSeriesIT {

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldServeEverySeriesTheDashboardAndTheAlertRulesQuery() throws Exception {
        Set<String> used = MonitoringQueries.metricNames();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        try (StreamlearnMetrics metrics = new StreamlearnMetrics();
             QueryEndpoint endpoint = QueryEndpoint.start(ModelQueryServer.Options.local(0), metrics)) {
            HostInfo self = endpoint.hostInfo("127.0.0.1");
            AppConfig config = IsolatedConfig.of(kafka.broker(), "it-dashboard-" + suffix, suffix, stateDir)
                    .with(AppConfig.FEATURES_KEY, "x1,x2")
                    .with(AppConfig.MODELS_KEY, "sgd;kalman")
                    .with(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + self.port());
            kafka.broker().createTopics(2, config.topics());
            URI scrape = URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics");
            try (StreamlearnApp app = new StreamlearnApp(config, metrics.registry());
                 KafkaProducer<String, byte[]> producer = TestClients.producer(kafka.broker())) {
                endpoint.attach(app, self);
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "running; state " + app.state());
                long now = System.currentTimeMillis();
                for (int i = 0; i < 40; i++) {
                    String key = "k" + (i % 4);
                    double x1 = i % 7;
                    double x2 = i % 3;
                    Event e = Event.newBuilder().setId("e" + i).setKey(key).setTs(now + i)
                            .setFeatures(Map.of("x1", x1, "x2", x2)).setLabel(i % 2 == 0 ? 2 * x1 - x2 : null).build();
                    producer.send(new ProducerRecord<>(config.eventsTopic(), key, WireCodec.encode(e, WireFormat.JSON)));
                    if (i % 2 == 1) {
                        Label l = Label.newBuilder().setId("e" + i).setKey(key).setTs(now + i + 1).setLabel(2 * x1 - x2).build();
                        producer.send(new ProducerRecord<>(config.labelsTopic(), key, WireCodec.encode(l, WireFormat.JSON)));
                    }
                }
                producer.send(new ProducerRecord<>(config.eventsTopic(), "k0", "{".getBytes(StandardCharsets.UTF_8)));
                producer.flush();

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                Set<String> missing;
                String text;
                do {
                    text = get(scrape);
                    missing = new TreeSet<>(used);
                    missing.removeAll(names(text));
                    if (missing.isEmpty()) {
                        break;
                    }
                    Thread.sleep(500);
                } while (System.nanoTime() < deadline);
                Files.createDirectories(Path.of("target"));
                Files.writeString(Path.of("target/dashboard-series-scrape.txt"), text);
                assertTrue(missing.isEmpty(), "series the dashboard or the rules query but /metrics does not serve: " + missing
                        + " (the whole scrape: target/dashboard-series-scrape.txt)");
                assertTrue(used.size() >= 10, "the dashboard and rules query at least ten series: " + used);
            }
        }
    }

    private static final Pattern SERIES = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);

    private static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        Matcher m = SERIES.matcher(exposition);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private String get(URI uri) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }
}
