package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.migration.ModelTransfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
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
                "Example:",
                "  ./streamlearn import --bootstrap-servers 127.0.0.1:9092 --input models.avro",
                ""},
        sortOptions = false)
public final class ImportCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--application-id", paramLabel = "ID",
            description = "The target application's application.id. Default: application.id from --config, else streamlearn.")
    String applicationId;

    @Option(names = "--store", paramLabel = "NAME",
            description = "The model store's name. Default: streamlearn.store.name from --config, else models.")
    String store;

    @Option(names = "--events-topic", paramLabel = "TOPIC",
            description = "The target application's events topic (must exist; it decides the partitioning). "
                    + "Default: streamlearn.topic.events from --config, else events.")
    String eventsTopic;

    @Option(names = "--input", paramLabel = "FILE", required = true, description = "The Avro file written by export.")
    Path input;

    @Override
    public Integer call() throws Exception {
        AppConfig config = kafka.requireKafka();
        if (!Files.isRegularFile(input)) {
            throw CommandFailure.usage("--input " + input + ": no such file");
        }
        String topic = ModelTransfer.changelogTopic(applicationId != null ? applicationId : config.applicationId(),
                store != null ? store : config.storeName());
        try {
            ModelTransfer.read(input);
        } catch (java.io.IOException | org.apache.avro.AvroRuntimeException e) {
            throw CommandFailure.usage("--input " + input + ": not a file written by export (" + e.getMessage() + ")");
        }
        kafka.awaitKafka(config);
        long n = ModelTransfer.importModels(config.connectionSettings(), topic,
                eventsTopic != null ? eventsTopic : config.eventsTopic(), input);
        System.out.println("Imported " + n + " models into " + topic);
        return 0;
    }
}
