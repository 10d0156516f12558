package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.http.HttpOptions;
import io.streamlearn.streams.http.QueryEndpoint;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code streamlearn run}: runs the topology until SIGTERM or Ctrl-C. Without
 * {@code --bootstrap-servers} it first starts an embedded single-node broker, creates the topics and
 * prints exactly one line on stdout, {@code bootstrap.servers=127.0.0.1:PORT}; all logging goes to
 * stderr.
 *
 * <pre>{@code
 * ./streamlearn run --output-format json --features x1,x2
 * ./streamlearn run --bootstrap-servers kafka:9092 --config deploy/streamlearn.properties --model sgd:lr=0.05
 * }</pre>
 */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
                "Runs the topology until Ctrl-C or SIGTERM (starts a broker if none is given).",
                "",
                "Reads events, keeps one model per key, writes a prediction per event to 'predictions' "
                        + "and records that cannot be scored to 'dead-letters'. Without --bootstrap-servers "
                        + "it starts an embedded single-node Kafka broker, creates the topics and prints "
                        + "one line on stdout: bootstrap.servers=127.0.0.1:PORT (logs go to stderr).",
                "",
                "Example:",
                "  ./streamlearn run --output-format json --features x1,x2",
                "  echo 'dev-1:{\"key\":\"dev-1\",\"ts\":1,\"features\":{\"x1\":1},\"label\":5}' \\",
                "    | kcat -P -b 127.0.0.1:PORT -t events -K:",
                "  kcat -C -b 127.0.0.1:PORT -t predictions -e",
                "  With --http-port 8080: curl 127.0.0.1:8080/models/dev-1",
                ""},
        sortOptions = false)
public final class RunCommand extends AppOptions implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--create-topics",
            description = "With --bootstrap-servers: create the topics that are missing (broker's default partitions and replication).")
    boolean createTopics;

    @Option(names = "--port", paramLabel = "N", description = "Embedded broker only: its port. Default: a free one.")
    int port;

    @Mixin
    HttpOptions http = new HttpOptions();

    @Override
    public Integer call() throws Exception {
        AppConfig config = config();
        EmbeddedKafkaBroker broker = null;
        Path tempStateDir = null;
        if (config.bootstrapServers() == null) {
            broker = EmbeddedKafkaBroker.start(port, Map.of());
            broker.createTopics(config.topicPartitions(), config.topics());
            config = forSingleBroker(config.with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers()));
            if (config.get(AppConfig.STATE_DIR_KEY) == null) {
                // A fresh broker has empty changelogs: a fresh state directory matches it.
                tempStateDir = Files.createTempDirectory("streamlearn-state-");
                config = config.with(AppConfig.STATE_DIR_KEY, tempStateDir.toString());
            }
            System.out.println("bootstrap.servers=" + broker.bootstrapServers());
            System.out.flush();
        } else {
            kafka.awaitKafka(config);
            if (createTopics) {
                createMissingTopics(config);
            }
        }

        StreamlearnMetrics metrics = new StreamlearnMetrics();
        QueryEndpoint endpoint = http.start(metrics);
        HostInfo self = endpoint == null ? null : http.hostInfo(endpoint);
        if (self != null) {
            config = config.with(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
            System.err.println("streamlearn run: HTTP endpoint on port " + endpoint.port() + ", advertised as " + self.host() + ":" + self.port());
        }
        StreamlearnApp app = new StreamlearnApp(config, metrics.registry());
        if (endpoint != null) {
            endpoint.attach(app, self);   // also DELETE /models/{key}, through a producer the endpoint closes
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        EmbeddedKafkaBroker brokerToClose = broker;
        Path stateDirToDelete = tempStateDir;
        Thread hook = new Thread(() -> {
            stopping.set(true);
            try {
                app.close();
                if (endpoint != null) {
                    endpoint.close();
                }
                metrics.close();
                if (brokerToClose != null) {
                    brokerToClose.close();
                }
                deleteQuietly(stateDirToDelete);
            } finally {
                stopped.countDown();
            }
        }, "streamlearn-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        app.start();
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            KafkaStreams.State s = app.state();
            if (!stopping.get() && (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING)) {
                System.err.println("streamlearn run: Kafka Streams stopped in state " + s);
                return 1;
            }
        }
        return 0;
    }

    /**
     * The settings for the embedded single-node broker: a {@code replication.factor} above 1 (as
     * deploy/streamlearn.properties sets for a cluster) lowered to 1, which is all one broker can hold;
     * Kafka Streams would otherwise fail to create its changelogs.
     */
    static AppConfig forSingleBroker(AppConfig config) {
        String rf = config.get(StreamsConfig.REPLICATION_FACTOR_CONFIG);
        if (rf == null) {
            return config;
        }
        try {
            if (Integer.parseInt(rf.trim()) <= 1) {
                return config;
            }
        } catch (NumberFormatException e) {
            return config;   // Kafka Streams reports it
        }
        System.err.println("streamlearn run: embedded single-node broker: replication.factor " + rf.trim() + " lowered to 1");
        return config.with(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
    }

    static void createMissingTopics(AppConfig config) throws Exception {
        Properties p = new Properties();
        p.putAll(config.connectionSettings());
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String t : config.topics()) {
                if (!existing.contains(t)) {
                    missing.add(new NewTopic(t, Optional.empty(), Optional.empty()));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; the OS cleans it eventually
        }
    }

    /** For tests: the settings this command line resolves to, before a broker is started. */
    Map<String, String> resolvedSettings() throws IOException {
        return new LinkedHashMap<>(config().values());
    }
}
