package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.Replay;
import io.streamlearn.streams.backtest.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
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
@Command(name = "replay",
        mixinStandardHelpOptions = true,
        description = {
                "Replays a time range of a topic through the topology, beside the live one.",
                "",
                "Copies the records of [--from, --to) of the events topic, and the labels of the same range, "
                        + "to temporary topics, runs the topology over them with the given models under a new "
                        + "application id, and writes its predictions to --output-topic (dead letters to "
                        + "<output-topic>-dead-letters). The live deployment is not touched. Shows its progress "
                        + "on a terminal; exits with 1 if the replay does not finish within --timeout.",
                "",
                "Example:",
                "  ./streamlearn replay --bootstrap-servers 127.0.0.1:9092 --from 2026-01-01T00:00:00Z "
                        + "--to 2026-02-01T00:00:00Z --model sgd --output-topic predictions-jan",
                ""},
        sortOptions = false)
public final class ReplayCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "The events topic to replay. Default: streamlearn.topic.events from --config, else events.")
    String topic;

    @Option(names = "--labels-topic", paramLabel = "TOPIC",
            description = "The delayed labels joined in the replay (its records of the same time range). "
                    + "Default: streamlearn.topic.labels from --config, else labels.")
    String labelsTopic;

    @Option(names = "--from", required = true, paramLabel = "TIME",
            description = "First record time included: ISO-8601 instant or epoch milliseconds.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "TIME",
            description = "First record time excluded: ISO-8601 instant or epoch milliseconds.")
    String to;

    @Option(names = "--model", paramLabel = "SPEC",
            description = "Model SPEC NAME[:param=value,...]; repeat for challengers (the first is the champion). "
                    + "Required unless --config or --set gives streamlearn.models.")
    List<String> models = new ArrayList<>();

    @Option(names = "--features", paramLabel = "NAME", split = ",",
            description = "Ordered feature names, comma-separated; NAME=* is a text feature. "
                    + "Default: streamlearn.features from --config, else hashed.")
    List<String> features = new ArrayList<>();

    @Option(names = "--output-topic", required = true, paramLabel = "TOPIC",
            description = "Where the predictions go (created if missing).")
    String outputTopic;

    @Option(names = "--output-format", paramLabel = "avro|json|confluent-avro",
            description = "Format of predictions and dead letters. Default: streamlearn.output.format from --config, else avro.")
    String outputFormat;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
            description = "Give up when the replay has not finished in this time (exit code 1). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--threads", paramLabel = "N",
            description = "Stream threads that process the topic's partitions in parallel (the predictions are the"
                    + " same for any N). Default: num.stream.threads when the config sets it, else the number of"
                    + " partitions, at most the number of processors.")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        long fromMs = time("--from", from);
        long toMs = time("--to", to);
        if (toMs <= fromMs) {
            throw CommandFailure.usage("--to " + to + " must be after --from " + from);
        }
        if (models.isEmpty() && kafka.configFile == null && kafka.settings.isEmpty()) {
            throw CommandFailure.usage("missing --model SPEC (or streamlearn.models in --config or --set)");
        }
        if (threads != null && threads < 1) {
            throw CommandFailure.usage("--threads must be >= 1, got " + threads);
        }
        AppConfig config = kafka.requireKafka();
        if (!models.isEmpty()) {
            config = config.with(AppConfig.MODELS_KEY, String.join(";", models));
        }
        if (!features.isEmpty()) {
            config = config.with(AppConfig.FEATURES_KEY, String.join(",", features));
        }
        if (outputFormat != null) {
            config = config.with(AppConfig.OUTPUT_FORMAT_KEY, outputFormat);
        }
        if (labelsTopic != null) {
            config = config.with(AppConfig.LABELS_TOPIC_KEY, labelsTopic);
        }
        String source = topic != null ? topic : config.eventsTopic();
        kafka.awaitKafka(config);
        ProgressBar bar = System.console() != null ? new ProgressBar(System.err, "records") : null;
        Replay.Result r;
        try {
            r = Replay.run(config, source, fromMs, toMs, outputTopic, timeout,
                    bar == null ? null : (done, total) -> bar.update(done, done, total), threads == null ? 0 : threads);
        } finally {
            if (bar != null) {
                bar.finish();
            }
        }
        System.out.println("replayed " + r.records() + " records of " + source + " and " + r.labelRecords()
                + " of " + config.labelsTopic() + " [" + from + ", " + to + ") as "
                + r.applicationId() + " into " + outputTopic + " on " + r.threads() + " stream thread"
                + (r.threads() == 1 ? "" : "s") + (r.completed() ? "" : " (TIMED OUT before the end)"));
        if (!r.completed()) {
            System.err.println("streamlearn replay: not finished within --timeout " + Failures.format(timeout));
        }
        return r.completed() ? 0 : 1;
    }

    private static long time(String option, String text) {
        try {
            return Replay.parseTime(text);
        } catch (RuntimeException e) {
            throw CommandFailure.usage(option + " '" + text + "' is not a time (ISO-8601 like 2026-01-01T00:00:00Z, or epoch ms)");
        }
    }
}
