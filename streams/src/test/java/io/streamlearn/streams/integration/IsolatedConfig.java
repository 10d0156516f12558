package io.streamlearn.streams.integration;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;

import java.nio.file.Path;

/**
 * The configuration every integration test starts from: the shared broker, its own application id
 * and state directory, topic names that no other test uses (all suffixed), JSON output and a short
 * commit interval. Tests add their features, models and other settings with {@link AppConfig#with}.
 */
final class IsolatedConfig {

    private IsolatedConfig() {
    }

    static AppConfig of(EmbeddedKafkaBroker broker, String applicationId, String suffix, Path stateDir) {
        return AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers())
                .with(AppConfig.APPLICATION_ID_KEY, applicationId)
                .with(AppConfig.STATE_DIR_KEY, stateDir.toString())
                .with(AppConfig.OUTPUT_FORMAT_KEY, "json")
                .with(AppConfig.EVENTS_TOPIC_KEY, "events-" + suffix)
                .with(AppConfig.LABELS_TOPIC_KEY, "labels-" + suffix)
                .with(AppConfig.PREDICTIONS_TOPIC_KEY, "predictions-" + suffix)
                .with(AppConfig.SHADOW_PREDICTIONS_TOPIC_KEY, "shadow-" + suffix)
                .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, "dead-letters-" + suffix)
                .with(AppConfig.CONTROL_TOPIC_KEY, "model-control-" + suffix)
                .with(AppConfig.FORGET_ACKS_TOPIC_KEY, "forget-acks-" + suffix)
                .with("commit.interval.ms", "100");
    }
}
