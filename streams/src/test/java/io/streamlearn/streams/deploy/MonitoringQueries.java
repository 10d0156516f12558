package io.streamlearn.streams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of the shipped Grafana dashboard ({@value #DASHBOARD}) and Prometheus rules
 * ({@value #RULES}), and the metric names it uses.
 */
public final class MonitoringQueries {
    public static final String DASHBOARD = "../deploy/grafana/streamlearn-dashboard.json";
    public static final String RULES = "../deploy/prometheus/streamlearn-alerts.yml";

    /** Identifiers in PromQL that are not metric names. */
    private static final Set<String> PROMQL_WORDS = Set.of("sum", "by", "without", "rate", "irate", "increase", "delta",
            "deriv", "max", "min", "avg", "count", "topk", "bottomk", "histogram_quantile", "clamp_min", "clamp_max",
            "max_over_time", "min_over_time", "avg_over_time", "abs", "and", "or", "unless", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "vector", "scalar", "le", "time", "absent", "label_replace",
            "predict_linear", "changes", "resets", "count_over_time", "sum_over_time", "quantile", "sort_desc");
    /** Series Prometheus makes itself, not the application. */
    private static final Set<String> SYNTHETIC = Set.of("up");

    private MonitoringQueries() {
    }

    /** Every PromQL expression: the dashboard's targets and the rules' expr. */
    public static List<String> expressions() throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode dashboard = new ObjectMapper().readTree(Path.of(DASHBOARD).toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode t : panel.path("targets")) {
                out.add(t.path("expr").asText());
            }
        }
        JsonNode rules = new YAMLMapper().readTree(Path.of(RULES).toFile());
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                out.add(rule.path("expr").asText());
            }
        }
        return out;
    }

    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** The metric names the expressions select (not functions, keywords, label names or label values). */
    public static Set<String> metricNames() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions()) {
            // drop label matchers {…}, grouping clauses (…) after by/without/on/ignoring, durations […], strings
            String e = expr.replaceAll("\"[^\"]*\"", "\"\"")
                    .replaceAll("\\{[^}]*}", " ")
                    .replaceAll("\\[[^]]*]", " ")
                    .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
            Matcher m = IDENT.matcher(e);
            while (m.find()) {
                String id = m.group();
                int end = m.end();
                boolean call = end < e.length() && e.substring(end).stripLeading().startsWith("(");
                if (PROMQL_WORDS.contains(id) || call || SYNTHETIC.contains(id) || Character.isDigit(id.charAt(0))) {
                    continue;
                }
                if (m.start() > 0 && Character.isDigit(e.charAt(m.start() - 1))) {
                    continue;   // a unit, as in 5m
                }
                names.add(id);
            }
        }
        return names;
    }
}
