package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.Replay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code streamlearn replay}: replays a time range of an events topic through the live topology under a
 * fresh application id (see {@link Replay}), writing predictions to {@code --output-topic}.
 *
 * <pre>{@code
 * streamlearn replay --bootstrap-servers localhost:9092 --topic events \
 *     --from 2017-01-01T00:00:00Z --to 2017-02-01T00:00:00Z --model sgd --features a,b --output-topic predictions-jan
 * }</pre>
 * {@code --config} and {@code --set} read the same settings as {@code run} (the field mapping
 * {@code streamlearn.input.*} and {@code streamlearn.labels.*} included); the options above win over them.
 * Exit codes: 0 done; 1 the application did not finish in {@code --timeout}; 2 bad arguments.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replays a time range of a topic through the topology under a fresh application id.")
public final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT")
    String bootstrapServers;

    @Option(names = "--topic", defaultValue = "events", paramLabel = "TOPIC", description = "events topic to replay (default: events)")
    String topic;

    @Option(names = "--from", required = true, paramLabel = "TIME", description = "first record time included: ISO-8601 or epoch ms")
    String from;

    @Option(names = "--to", required = true, paramLabel = "TIME", description = "first record time excluded: ISO-8601 or epoch ms")
    String to;

    @Option(names = "--labels-topic", paramLabel = "TOPIC",
            description = "delayed labels joined in the replay: records of the same time range (default:"
                    + " streamlearn.topic.labels, else labels)")
    String labelsTopic;

    @Option(names = "--model", paramLabel = "SPEC", description = "model SPEC, repeatable; the first is the champion."
            + " Required unless --config or --set gives streamlearn.models.")
    List<String> models;

    @Option(names = "--features", paramLabel = "LIST", description = "ordered feature names; NAME=* is a text feature"
            + " (default: streamlearn.features, else hashed features)")
    String features;

    @Mixin
    ConfigOptions settings = new ConfigOptions();

    @Option(names = "--output-topic", required = true, paramLabel = "TOPIC")
    String outputTopic;

    @Option(names = "--output-format", paramLabel = "avro|json", description = "default: streamlearn.output.format, else avro")
    String outputFormat;

    @Option(names = "--timeout", defaultValue = "PT10M", paramLabel = "DURATION", description = "ISO-8601, default PT10M")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        long fromMs;
        long toMs;
        AppConfig config;
        try {
            fromMs = Replay.parseTime(from);
            toMs = Replay.parseTime(to);
            if (toMs <= fromMs) {
                throw new IllegalArgumentException("--to must be after --from");
            }
            if (models == null && !settings.given()) {
                throw new IllegalArgumentException("Missing required option: '--model=SPEC' (or streamlearn.models in --config or --set)");
            }
            Map<String, String> o = new LinkedHashMap<>();
            o.put(AppConfig.BOOTSTRAP_SERVERS_KEY, bootstrapServers);
            if (models != null) {
                o.put(AppConfig.MODELS_KEY, String.join(";", models));
            }
            if (outputFormat != null) {
                o.put(AppConfig.OUTPUT_FORMAT_KEY, outputFormat);
            }
            if (labelsTopic != null) {
                o.put(AppConfig.LABELS_TOPIC_KEY, labelsTopic);
            }
            if (features != null) {
                o.put(AppConfig.FEATURES_KEY, features);
            }
            config = settings.config(o);
        } catch (IOException e) {
            System.err.println("streamlearn replay: cannot read --config " + settings.configFile + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("streamlearn replay: " + e.getMessage());
            return 2;
        }
        Replay.Result r = Replay.run(config, topic, fromMs, toMs, outputTopic, timeout);
        System.out.println("replayed " + r.records() + " records of " + topic + " and " + r.labelRecords()
                + " of " + config.labelsTopic() + " [" + from + ", " + to + ") as "
                + r.applicationId() + " into " + outputTopic + (r.completed() ? "" : " (TIMED OUT before the end)"));
        return r.completed() ? 0 : 1;
    }
}
