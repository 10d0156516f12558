package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.broker.EmbeddedSchemaRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code streamlearn broker}: only the embedded single-node broker, until killed. For trying
 * {@code streamlearn run --bootstrap-servers} against a broker that outlives the application
 * ({@code deploy/local-broker.sh} calls it). Its data is in a temporary directory, deleted on exit. With
 * {@code --schema-registry-port}, an in-memory Schema Registry runs beside it (for Confluent-framed topics).
 *
 * <pre>{@code
 * ./streamlearn broker --port 9092
 * }</pre>
 */
@Command(name = "broker",
        mixinStandardHelpOptions = true,
        description = {
                "Runs only a single-node Kafka broker until Ctrl-C or SIGTERM.",
                "",
                "KRaft, PLAINTEXT on 127.0.0.1, the Streamlearn topics created, data in a temporary "
                        + "directory deleted on exit. Prints one line on stdout: "
                        + "bootstrap.servers=127.0.0.1:PORT",
                "",
                "Example:",
                "  ./streamlearn broker --port 9092 &",
                "  ./streamlearn run --bootstrap-servers 127.0.0.1:9092 --output-format json",
                ""},
        sortOptions = false)
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "The application's properties file (see deploy/streamlearn.properties): the topics "
                    + "it names (streamlearn.topic.*) are created, with streamlearn.topic.partitions partitions.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A broker setting, e.g. num.partitions=4; repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--port", paramLabel = "N", description = "PLAINTEXT port. Default: a free one.")
    int port;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Partitions of the created topics. Default: streamlearn.topic.partitions from --config, else 1.")
    Integer partitions;

    @Option(names = "--topic", paramLabel = "NAME",
            description = "A topic to create; repeatable. Default: the application's topics (events, labels, "
                    + "predictions, dead-letters, model-control, ...).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--schema-registry-port", paramLabel = "N",
            description = "Also run an in-memory Schema Registry (the Confluent REST API's common subset) on this port "
                    + "(0: a free one) and print schema.registry.url=... on stdout.")
    Integer schemaRegistryPort;

    @Override
    public Integer call() throws Exception {
        AppConfig app = AppConfig.defaults();
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw CommandFailure.usage("--config " + configFile + ": no such file");
            }
            app = AppConfig.load(configFile);
        }
        List<String> create = new ArrayList<>(topics);
        if (create.isEmpty()) {
            create.addAll(app.topics());
        }
        int n = partitions != null ? partitions : configFile != null ? app.topicPartitions() : 1;
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, settings);
        broker.createTopics(n, create);
        EmbeddedSchemaRegistry registry = schemaRegistryPort == null ? null : EmbeddedSchemaRegistry.start(schemaRegistryPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (registry != null) {
                    registry.close();
                }
                broker.close();
            } finally {
                stopped.countDown();
            }
        }, "streamlearn-broker-shutdown"));
        System.out.println("bootstrap.servers=" + broker.bootstrapServers());
        if (registry != null) {
            System.out.println("schema.registry.url=" + registry.url());
        }
        System.out.flush();
        stopped.await();
        return 0;
    }
}
