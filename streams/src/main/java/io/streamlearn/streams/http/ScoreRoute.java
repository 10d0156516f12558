package io.streamlearn.streams.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /score} with {@code {"key": "...", "features": {"name": 1.0}, "time": 0}}: the prediction of
 * every model that runs for the key, without learning ({@link ModelQueries#score}), by the key's owner.
 */
final class ScoreRoute {

    private final ModelQueries queries;
    private final Forwarding forwarding;

    ScoreRoute(ModelQueries queries, Forwarding forwarding) {
        this.queries = queries;
        this.forwarding = forwarding;
    }

    void handle(HttpExchange ex) throws IOException, HttpError {
        byte[] raw = Exchanges.readBody(ex);
        JsonNode root;
        try {
            root = Exchanges.MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new HttpError(400, "body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new HttpError(400, "body must be a JSON object {\"key\": ..., \"features\": {...}}");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("key") && !f.equals("features") && !f.equals("time")) {
                throw new HttpError(400, "unknown field '" + f + "' (expected key, features, time)");
            }
        }
        JsonNode keyNode = root.get("key");
        if (keyNode == null || !keyNode.isTextual()) {
            throw new HttpError(400, "'key' must be a string");
        }
        String key = Exchanges.entityKey(keyNode.textValue());
        JsonNode featuresNode = root.get("features");
        if (featuresNode == null || !featuresNode.isObject()) {
            throw new HttpError(400, "'features' must be an object of numbers");
        }
        Map<String, Double> features = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = featuresNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw new HttpError(400, "feature '" + e.getKey() + "' must be a number");
            }
            features.put(e.getKey(), e.getValue().doubleValue());
        }
        Long time = null;
        JsonNode timeNode = root.get("time");
        if (timeNode != null && !timeNode.isNull()) {
            if (!timeNode.isIntegralNumber() || !timeNode.canConvertToLong()) {
                throw new HttpError(400, "'time' must be epoch milliseconds (an integer)");
            }
            time = timeNode.longValue();
        }
        if (forwarding.forwardIfRemote(ex, key, "/score", raw)) {
            return;
        }
        ModelQueries.ScoreResult result = queries.score(key, features, time);
        List<Map<String, Object>> predictions = new ArrayList<>();
        for (ModelQueries.Score s : result.scores()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("model", s.model());
            p.put("champion", s.champion());
            p.put("version", s.version());
            p.put("mean", finiteOrNull(s.mean()));
            p.put("stddev", finiteOrNull(s.stddev()));
            p.put("fresh", s.fresh());
            predictions.add(p);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", key);
        queries.self().ifPresent(s -> body.put("instance", s));
        body.put("predictions", predictions);
        body.put("unknownFeatures", result.unknownFeatures());
        Exchanges.sendJson(ex, 200, body);
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
