package io.streamlearn.streams.app;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicSetupTest {

    @Test
    void shouldRefuseLabelsPartitionedUnlikeEvents() {
        AppConfig c = AppConfig.defaults();
        TopicSetup.requireCopartitioned(c, Map.of("events", 4, "labels", 4));
        TopicSetup.requireCopartitioned(c, Map.of("events", 4));   // missing: Kafka Streams reports it
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TopicSetup.requireCopartitioned(c, Map.of("events", 4, "labels", 3)));
        assertTrue(e.getMessage().contains("'labels' has 3 partitions but 'events' has 4"), e.getMessage());
    }
}
