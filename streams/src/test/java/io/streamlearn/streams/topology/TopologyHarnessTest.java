package io.streamlearn.streams.topology;

import io.streamlearn.schemas.Prediction;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test fixture {@link TopologyHarness} itself: its Javadoc example, its topics, its JSON. */
class TopologyHarnessTest {

    @TempDir
    Path stateDir;

    @Test
    void shouldRunItsJavadocExample() throws Exception {
        AppConfig config = TopologyHarness.config("sgd:lr=0.5", Map.of(AppConfig.LABEL_HORIZON_KEY, "1h"));
        try (TopologyHarness harness = new TopologyHarness(config, stateDir, new SkippedRecords())) {
            harness.event("k1", "e1", 1_000, 1, 2, null);      // unlabelled: waits for its label
            harness.label("k1", "e1", 2_000, 3.0);
            harness.event("k1", "e2", 3_000, 1, 2, null);
            assertEquals(1L, harness.readPredictions().get(1).getVersion());
        }
    }

    @Test
    void shouldOfferOnlyTheTopicsTheConfigHas() throws Exception {
        AppConfig single = TopologyHarness.config("sgd:lr=0.5", Map.of(AppConfig.CONTROL_TOPIC_KEY, ""));
        try (TopologyHarness harness = new TopologyHarness(single, stateDir.resolve("single"), new SkippedRecords())) {
            assertThrows(IllegalStateException.class, harness::control, "live control disabled");
            assertThrows(IllegalStateException.class, harness::forgetAcks);
            assertThrows(IllegalStateException.class, harness::shadow, "one model and no control: no challengers");
            assertNotNull(harness.predictions);
            assertNotNull(harness.deadLetters);
            assertNotNull(harness.changelog);
        }
        AppConfig two = TopologyHarness.config("sgd:lr=0.5;mean");
        try (TopologyHarness harness = new TopologyHarness(two, stateDir.resolve("two"), new SkippedRecords())) {
            assertEquals(two, harness.config);
            harness.event("k", "e1", 1_000, 1, 1, 2.0);
            List<Prediction> challengers = harness.readShadowPredictions();
            assertEquals(List.of("mean"), challengers.stream().map(Prediction::getModel).toList());
            harness.control("forget:k", "{}");
            harness.driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
            assertEquals(List.of("k"), harness.forgetAcks().readKeyValuesToList().stream().map(kv -> kv.key).toList());
        }
    }

    @Test
    void shouldWriteTheEventJsonTheDeadLettersCarry() throws Exception {
        assertEquals("{\"id\":\"e1\",\"key\":\"k\",\"ts\":5,\"features\":{\"x1\":1},\"label\":2.5}",
                new String(TopologyHarness.eventJson("k", "e1", 5, "{\"x1\":1}", 2.5), StandardCharsets.UTF_8));
        assertEquals("{\"id\":\"e1\",\"key\":\"k\",\"ts\":5,\"features\":{}}",
                new String(TopologyHarness.eventJson("k", "e1", 5, "{}", null), StandardCharsets.UTF_8));
        AppConfig config = TopologyHarness.config("sgd:lr=0.5");
        try (TopologyHarness harness = new TopologyHarness(config, stateDir, new SkippedRecords())) {
            harness.event("k", "e1", 5, "{\"x1\":\"NaN?\"}", null);     // not a number: dead-lettered with its bytes
            var letters = harness.readDeadLetters();
            assertEquals(1, letters.size());
            byte[] raw = new byte[letters.get(0).getValue().remaining()];
            letters.get(0).getValue().duplicate().get(raw);
            assertEquals("{\"id\":\"e1\",\"key\":\"k\",\"ts\":5,\"features\":{\"x1\":\"NaN?\"}}",
                    new String(raw, StandardCharsets.UTF_8));
            assertTrue(harness.readPredictions().isEmpty());
        }
    }
}
