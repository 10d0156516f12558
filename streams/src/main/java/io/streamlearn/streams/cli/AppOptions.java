package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of {@code run}: how to reach Kafka ({@link KafkaOptions}: servers, a properties file,
 * {@code --set}) and the overrides that matter most. Command-line values win over the file.
 */
abstract class AppOptions {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--model", paramLabel = "SPEC",
            description = "Model SPEC NAME[:param=value,...]; repeat for challengers (the first is the champion). Default: "
                    + AppConfig.DEFAULT_MODEL + ".")
    List<String> models = new ArrayList<>();

    @Option(names = "--features", paramLabel = "NAME", split = ",",
            description = "Ordered feature names, comma-separated. Default: any names, hashed into 2^"
                    + AppConfig.DEFAULT_HASH_BITS + " buckets.")
    List<String> features = new ArrayList<>();

    @Option(names = "--output-format", paramLabel = "avro|json|confluent-avro",
            description = "Format of predictions and dead letters. Default: avro.")
    String outputFormat;

    @Option(names = "--application-id", paramLabel = "ID", description = "Kafka Streams application.id. Default: streamlearn.")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where the RocksDB model store lives.")
    String stateDir;

    @Option(names = "--guarantee", paramLabel = "exactly_once_v2|at_least_once",
            description = "Processing guarantee. Default: exactly_once_v2.")
    String guarantee;

    /** The file (or the defaults) with this command line's overrides applied. */
    AppConfig config() throws IOException {
        AppConfig config = kafka.config();
        Map<String, String> o = new LinkedHashMap<>();
        if (!models.isEmpty()) {
            o.put(AppConfig.MODELS_KEY, String.join(";", models));
        }
        if (!features.isEmpty()) {
            o.put(AppConfig.FEATURES_KEY, String.join(",", features));
        }
        putIfSet(o, AppConfig.OUTPUT_FORMAT_KEY, outputFormat);
        putIfSet(o, AppConfig.APPLICATION_ID_KEY, applicationId);
        putIfSet(o, AppConfig.STATE_DIR_KEY, stateDir);
        putIfSet(o, AppConfig.PROCESSING_GUARANTEE_KEY, guarantee);
        return config.with(o);
    }

    private static void putIfSet(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
