package io.streamlearn.streams.cli;

import io.streamlearn.streams.app.AppConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a command reaches Kafka, shared by every command that talks to a cluster ({@code run},
 * {@code export}, {@code import}, {@code replay}): the bootstrap servers, a properties file and
 * {@code --set} overrides. The file and the overrides carry the security settings
 * ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) to every client the command creates.
 *
 * <pre>{@code
 * ./streamlearn export --config deploy/streamlearn.properties --set sasl.jaas.config=... --output models.avro
 * }</pre>
 */
final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", order = 1,
            description = "Kafka to connect to. Default: bootstrap.servers from --config.")
    String bootstrapServers;

    @Option(names = "--config", paramLabel = "FILE", order = 2,
            description = "Properties file (see deploy/streamlearn.properties): Kafka settings, including "
                    + "security.protocol, sasl.* and ssl.*, and streamlearn.* settings. Command-line options win over it.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", order = 3,
            description = "Any other setting, Kafka's (e.g. sasl.mechanism=SCRAM-SHA-512) or ours (streamlearn.*); repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--connect-timeout", paramLabel = "DURATION", order = 4, defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long to wait for Kafka to answer at start. Default: ${DEFAULT-VALUE}.")
    Duration connectTimeout;

    /** The servers the command connects to, once known: for the failure line. */
    String servers;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Whether {@code --verbose} was given. */
    boolean verbose() {
        return Verbose.given(command);
    }

    /** Waits (up to {@code --connect-timeout}) for Kafka to answer with these settings; see {@link KafkaCheck}. */
    void awaitKafka(AppConfig config) {
        servers = config.bootstrapServers();
        KafkaCheck.await(config.connectionSettings(), connectTimeout, verbose());
    }

    /** The file (or the defaults), then {@code --set}, then {@code --bootstrap-servers}. */
    AppConfig config() throws java.io.IOException {
        AppConfig c;
        if (configFile == null) {
            c = AppConfig.defaults();
        } else {
            if (!Files.isRegularFile(configFile)) {
                throw CommandFailure.usage("--config " + configFile + ": no such file");
            }
            c = AppConfig.load(configFile);
        }
        Map<String, String> o = new LinkedHashMap<>(settings);
        if (bootstrapServers != null) {
            o.put(AppConfig.BOOTSTRAP_SERVERS_KEY, bootstrapServers);
        }
        return c.with(o);
    }

    /** {@link #config()}, requiring bootstrap servers from one of the three places. */
    AppConfig requireKafka() throws java.io.IOException {
        AppConfig c = config();
        if (c.bootstrapServers() == null || c.bootstrapServers().isBlank()) {
            throw CommandFailure.usage("no Kafka to connect to: give --bootstrap-servers, or bootstrap.servers in --config");
        }
        servers = c.bootstrapServers();
        return c;
    }
}
