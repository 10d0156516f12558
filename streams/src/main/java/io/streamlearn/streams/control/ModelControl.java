package io.streamlearn.streams.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.learn.registry.Learners;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A record of the {@code model-control} topic (compacted, record key = the scope): which models run
 * for the default, a key prefix or one key.
 * <pre>{@code
 * key:   prefix:sensor-
 * value: {"scope": "prefix:sensor-", "models": ["kalman:q=1e-4", "sgd:step=adagrad"], "champion": "kalman:q=1e-4"}
 * }</pre>
 * Scopes: {@code default}, {@code prefix:P} (P non-empty), {@code key:K}. For a given key the most
 * specific scope wins: {@code key:K}, then the longest matching {@code prefix:P}, then {@code default},
 * then the configured {@code streamlearn.models}. {@code champion} is optional (default: the first
 * model); its predictions go to {@code predictions}, the others' to {@code predictions-shadow}. A null
 * value (tombstone) removes the scope. The {@code scope} field, when present, must equal the record key.
 *
 * <p><b>Forgetting a key</b> (right to be forgotten): a record with key {@code forget:<entity key>} and
 * any non-null value (e.g. {@code {}}) asks the task that owns the key (the partition of the events
 * topic the default partitioner gives the key) to delete every model state of the key and its pending
 * unlabelled events, writing tombstones to the changelogs, and to acknowledge on {@code forget-acks}
 * with {@code {"key": "<key>", "time": <wall-clock ms>, "removed": <entries deleted>}}. It is carried out
 * within about a second, once per request record (a marker in the task's pending store remembers it);
 * events of the key that arrive later build a new model. A tombstone for {@code forget:<key>} only
 * drops the request from the compacted topic.
 * <pre>{@code
 * key:   forget:user-42
 * value: {}
 * }</pre>
 */
public final class ModelControl {

    public static final String DEFAULT_SCOPE = "default";
    public static final String PREFIX = "prefix:";
    public static final String KEY = "key:";
    /** Record-key prefix of a forget request: {@code forget:<entity key>}. */
    public static final String FORGET = "forget:";
    /** The global, in-memory store of validated control records every instance keeps (restored from the topic). */
    public static final String STORE = "model-control-store";
    /** Dead-letter / skipped-record reason of a control record that was not applied. */
    public static final String BAD_CONTROL = "bad-control";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A control record that is malformed; nothing was changed. */
    public static final class BadControlException extends Exception {
        BadControlException(String message) {
            super(message);
        }
    }

    private ModelControl() {
    }

    /**
     * The value of a forget request record (key {@code forget:<entity key>}):
     * {@code {"via": "<via>", "time": <ms>}}; any non-null value asks, these fields only say who and when.
     */
    public static byte[] forgetRequest(String via, long timeMs) {
        return JSON.createObjectNode().put("via", via).put("time", timeMs).toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The value of a forget acknowledgement on {@code forget-acks} (record key = the entity key):
     * {@code {"key": "<key>", "time": <wall-clock ms>, "removed": <entries deleted>}}.
     */
    public static byte[] forgetAck(String key, long timeMs, int removed) {
        return JSON.createObjectNode().put("key", key).put("time", timeMs).put("removed", removed).toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code scope} has one of the three forms. */
    public static boolean validScope(String scope) {
        return scope != null && (scope.equals(DEFAULT_SCOPE)
                || (scope.startsWith(PREFIX) && scope.length() > PREFIX.length())
                || (scope.startsWith(KEY) && scope.length() > KEY.length()));
    }

    /**
     * Validates one control record and returns its model SPECs, champion first.
     *
     * @param dimension the feature space's dimension, to check each SPEC builds a learner
     * @throws BadControlException naming what is wrong
     */
    public static List<String> parse(String scope, byte[] value, int dimension) throws BadControlException {
        if (!validScope(scope)) {
            throw new BadControlException("scope '" + scope + "' is not default, prefix:P or key:K");
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(value, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new BadControlException("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadControlException("not a JSON object");
        }
        JsonNode s = root.get("scope");
        if (s != null && !(s.isTextual() && s.asText().equals(scope))) {
            throw new BadControlException("scope field " + s + " differs from the record key '" + scope + "'");
        }
        JsonNode models = root.get("models");
        if (models == null || !models.isArray() || models.isEmpty()) {
            throw new BadControlException("'models' must be a non-empty array of SPECs");
        }
        List<String> specs = new ArrayList<>();
        for (JsonNode m : models) {
            if (!m.isTextual() || m.asText().isBlank() || m.asText().indexOf('\n') >= 0) {
                throw new BadControlException("model " + m + " is not a SPEC string");
            }
            String spec = m.asText().trim();
            if (specs.contains(spec)) {
                throw new BadControlException("model '" + spec + "' listed twice");
            }
            try {
                Learners.create(spec, dimension);
            } catch (RuntimeException e) {
                throw new BadControlException("model '" + spec + "': " + e.getMessage());
            }
            specs.add(spec);
        }
        JsonNode champion = root.get("champion");
        if (champion != null && !champion.isNull()) {
            String c = champion.asText().trim();
            if (!champion.isTextual() || !specs.remove(c)) {
                throw new BadControlException("champion " + champion + " is not one of the models");
            }
            specs.add(0, c);
        }
        return List.copyOf(specs);
    }
}
