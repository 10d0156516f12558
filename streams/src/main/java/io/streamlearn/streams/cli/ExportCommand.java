package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.backtest.ProgressBar;
import io.streamlearn.streams.migration.ModelTransfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
                        + "the file holds what it had committed when the export started. Shows its progress "
                        + "on a terminal.",
                "",
                "Example:",
                "  ./streamlearn export --bootstrap-servers 127.0.0.1:9092 --output models.avro",
                ""},
        sortOptions = false)
public final class ExportCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--application-id", paramLabel = "ID",
            description = "The application's application.id. Default: application.id from --config, else streamlearn.")
    String applicationId;

    @Option(names = "--store", paramLabel = "NAME",
            description = "The model store's name. Default: streamlearn.store.name from --config, else models.")
    String store;

    @Option(names = "--output", paramLabel = "FILE", required = true, description = "The Avro file to write.")
    Path output;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
            description = "Give up when the changelog is not read to its end in this time. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        AppConfig config = kafka.requireKafka();
        Path dir = output.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw CommandFailure.usage("--output " + output + ": no such directory " + dir);
        }
        String topic = ModelTransfer.changelogTopic(applicationId != null ? applicationId : config.applicationId(),
                store != null ? store : config.storeName());
        kafka.awaitKafka(config);
        ProgressBar bar = System.console() != null ? new ProgressBar(System.err, "records") : null;
        long n;
        try {
            n = ModelTransfer.export(config.connectionSettings(), topic, output, timeout,
                    bar == null ? null : (done, total) -> bar.update(done, done, total));
        } finally {
            if (bar != null) {
                bar.finish();
            }
        }
        System.out.println("Exported " + n + " models from " + topic + " to " + output);
        return 0;
    }
}
