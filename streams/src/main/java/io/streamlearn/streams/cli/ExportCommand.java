package io.streamlearn.streams.cli;

import io.streamlearn.streams.migration.ModelTransfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code streamlearn export}: writes every model of an application to an Avro file, read from its
 * store changelog (see {@link ModelTransfer}).
 *
 * <pre>{@code
 * ./streamlearn export --bootstrap-servers kafka:9092 --application-id streamlearn --output models.avro
 * }</pre>
 */
@Command(name = "export",
        mixinStandardHelpOptions = true,
        description = {
                "Exports every model of an application to an Avro object container file.",
                "",
                "Reads the compacted changelog topic <application-id>-<store>-changelog from the beginning to "
                        + "its end offsets at start (read_committed; the last value per key wins) and writes one "
                        + "ModelExport record {key, model, state} per model. The application may keep running; "
                        + "the file holds what it had committed when the export started.",
                "",
                "Example:",
                "  ./streamlearn export --bootstrap-servers kafka:9092 --application-id streamlearn --output models.avro",
                ""},
        sortOptions = false)
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", required = true, description = "Kafka to read from.")
    String bootstrapServers;

    @Option(names = "--application-id", paramLabel = "ID", defaultValue = "streamlearn",
            description = "The application's application.id. Default: ${DEFAULT-VALUE}.")
    String applicationId;

    @Option(names = "--store", paramLabel = "NAME", defaultValue = "models",
            description = "The model store's name (streamlearn.store.name). Default: ${DEFAULT-VALUE}.")
    String store;

    @Option(names = "--output", paramLabel = "FILE", required = true, description = "The Avro file to write.")
    Path output;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Give up when the changelog is not read to its end in this time. Default: ${DEFAULT-VALUE}.")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        String topic = ModelTransfer.changelogTopic(applicationId, store);
        long n = ModelTransfer.export(Map.of("bootstrap.servers", bootstrapServers), topic, output,
                Duration.ofSeconds(timeoutSeconds));
        System.out.println("Exported " + n + " models from " + topic + " to " + output);
        return 0;
    }
}
