package io.streamlearn.streams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped Grafana dashboard and Prometheus alert rules: their shape, and that they watch what
 * issue #15 asks for. That a running instance serves every series they query: DashboardSeriesIT.
 */
class MonitoringFilesTest {

    @Test
    void shouldShowEveryAspectOnTheDashboard() throws Exception {
        JsonNode d = new ObjectMapper().readTree(Path.of(MonitoringQueries.DASHBOARD).toFile());
        assertFalse(d.path("uid").asText().isEmpty(), "a stable uid, so links survive re-imports");
        Set<Integer> ids = new HashSet<>();
        List<String> titles = new ArrayList<>();
        for (JsonNode p : d.path("panels")) {
            assertTrue(ids.add(p.path("id").asInt()), "panel ids are unique");
            titles.add(p.path("title").asText().toLowerCase(Locale.ROOT));
            assertTrue(p.path("targets").size() >= 1, p.path("title") + ": no query");
            for (JsonNode t : p.path("targets")) {
                assertFalse(t.path("expr").asText().isBlank(), p.path("title") + ": empty query");
                assertEquals("${datasource}", t.path("datasource").path("uid").asText(), "queries use the datasource variable");
            }
            assertTrue(p.path("gridPos").path("w").asInt() > 0 && p.path("gridPos").path("h").asInt() > 0);
        }
        for (String aspect : List.of("throughput", "lag", "dead letters", "model error", "processing", "event to output",
                "store", "restoring")) {
            assertTrue(titles.stream().anyMatch(t -> t.contains(aspect)), "a panel on " + aspect + ": " + titles);
        }
        Set<String> names = MonitoringQueries.metricNames();
        for (String series : List.of("streamlearn_events_total", "streamlearn_predictions_total", "streamlearn_dead_letters_total",
                "kafka_consumer_fetch_manager_records_lag_max", "streamlearn_model_error", "streamlearn_processing_seconds_bucket",
                "streamlearn_event_to_output_seconds_bucket", "streamlearn_store_entries",
                "kafka_stream_state_updater_active_restoring_tasks")) {
            assertTrue(names.contains(series), "the dashboard or rules query " + series + ": " + names);
        }
        for (String n : names) {
            assertTrue(n.startsWith("streamlearn_") || n.startsWith("kafka_"), "an application series: " + n);
        }
    }

    @Test
    void shouldAlertOnLagDeadLettersModelErrorAndReadiness() throws Exception {
        JsonNode rules = new YAMLMapper().readTree(Path.of(MonitoringQueries.RULES).toFile());
        List<String> alerts = new ArrayList<>();
        for (JsonNode g : rules.path("groups")) {
            for (JsonNode r : g.path("rules")) {
                String name = r.path("alert").asText();
                alerts.add(name);
                String expr = r.path("expr").asText();
                assertFalse(expr.isBlank(), name);
                assertEquals(count(expr, '('), count(expr, ')'), name + ": balanced parentheses");
                Duration forDuration = Duration.parse("PT" + r.path("for").asText().toUpperCase(Locale.ROOT));
                assertTrue(forDuration.toMinutes() >= 5, name + ": a for: clause, so one bad scrape does not page");
                assertTrue(Set.of("warning", "critical").contains(r.path("labels").path("severity").asText()), name + ": severity");
                assertFalse(r.path("annotations").path("summary").asText().isBlank(), name + ": summary");
            }
        }
        assertEquals(List.of("StreamlearnConsumerLagGrowing", "StreamlearnDeadLetterSurge", "StreamlearnModelErrorRising",
                "StreamlearnInstanceNotReady"), alerts);
    }

    private static long count(String s, char c) {
        return s.chars().filter(x -> x == c).count();
    }
}
