package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --config FILE} and {@code --set KEY=VALUE}, as {@code run} takes them, for the commands that have
 * their own options for the rest ({@code backtest}, {@code replay}): the field mapping
 * ({@code streamlearn.input.*}, {@code streamlearn.labels.*}), models, features and any other setting.
 */
final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file, as for run (e.g. the streamlearn.input.* field mapping). Command-line options win over it.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any other setting, as for run; repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    /** @return whether a file or any {@code --set} was given */
    boolean given() {
        return configFile != null || !settings.isEmpty();
    }

    /** The file (or the defaults) with {@code --set} and then {@code overrides} applied. */
    AppConfig config(Map<String, String> overrides) throws IOException {
        AppConfig config = configFile == null ? AppConfig.defaults() : AppConfig.load(configFile);
        Map<String, String> o = new LinkedHashMap<>(settings);
        o.putAll(overrides);
        return config.with(o);
    }
}
