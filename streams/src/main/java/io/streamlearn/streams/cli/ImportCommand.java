package io.streamlearn.streams.cli;

import io.streamlearn.streams.migration.ModelTransfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code streamlearn import}: seeds a stopped application with the models of an exported file, by
 * writing them to its store changelog (see {@link ModelTransfer}).
 *
 * <pre>{@code
 * ./streamlearn import --bootstrap-servers new-kafka:9092 --application-id streamlearn --input models.avro
 * }</pre>
 */
@Command(name = "import",
        mixinStandardHelpOptions = true,
        description = {
                "Seeds an application with the models of a file written by 'streamlearn export'.",
                "",
                "Writes every model to the changelog topic <application-id>-<store>-changelog (created "
                        + "compacted with the events topic's partition count if missing), each into the partition "
                        + "of its entity key's task. Use it on a deployment that is STOPPED and whose state "
                        + "directories are EMPTY (a new cluster or application id): on start Kafka Streams "
                        + "restores the models from the changelog. A running instance, or one with local state, "
                        + "does not see imported models.",
                "",
                "Example (migration):",
                "  ./streamlearn export --bootstrap-servers old-kafka:9092 --output models.avro",
                "  ./streamlearn import --bootstrap-servers new-kafka:9092 --input models.avro",
                "  ./streamlearn run --bootstrap-servers new-kafka:9092 --state-dir /fresh/dir",
                ""},
        sortOptions = false)
public final class ImportCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", required = true, description = "Kafka to write to.")
    String bootstrapServers;

    @Option(names = "--application-id", paramLabel = "ID", defaultValue = "streamlearn",
            description = "The target application's application.id. Default: ${DEFAULT-VALUE}.")
    String applicationId;

    @Option(names = "--store", paramLabel = "NAME", defaultValue = "models",
            description = "The model store's name (streamlearn.store.name). Default: ${DEFAULT-VALUE}.")
    String store;

    @Option(names = "--events-topic", paramLabel = "TOPIC", defaultValue = "events",
            description = "The target application's events topic (must exist; it decides the partitioning). Default: ${DEFAULT-VALUE}.")
    String eventsTopic;

    @Option(names = "--input", paramLabel = "FILE", required = true, description = "The Avro file written by export.")
    Path input;

    @Override
    public Integer call() throws Exception {
        String topic = ModelTransfer.changelogTopic(applicationId, store);
        long n = ModelTransfer.importModels(Map.of("bootstrap.servers", bootstrapServers), topic, eventsTopic, input);
        System.out.println("Imported " + n + " models into " + topic);
        return 0;
    }
}
