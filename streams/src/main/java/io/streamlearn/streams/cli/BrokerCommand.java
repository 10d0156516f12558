package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.broker.EmbeddedSchemaRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    @Option(names = "--port", paramLabel = "N", description = "PLAINTEXT port (default: a free one).")
    int port;

    @Option(names = "--partitions", paramLabel = "N", description = "Partitions of the created topics (default: 1).")
    int partitions = 1;

    @Option(names = "--topic", paramLabel = "NAME",
            description = "Topics to create (default: events, labels, predictions, predictions-shadow, dead-letters).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A broker setting, e.g. num.partitions=4; repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--schema-registry-port", paramLabel = "N",
            description = "Also run an in-memory Schema Registry (the Confluent REST API's common subset) on this port "
                    + "(0: a free one) and print schema.registry.url=... on stdout.")
    Integer schemaRegistryPort;

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, settings);
        List<String> create = new ArrayList<>(topics);
        if (create.isEmpty()) {
            AppConfig d = AppConfig.defaults();
            create.addAll(List.of(d.eventsTopic(), d.labelsTopic(), d.predictionsTopic(), d.shadowPredictionsTopic(),
                    d.deadLettersTopic()));
        }
        broker.createTopics(partitions, create);
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
