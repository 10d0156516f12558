package io.streamlearn.streams.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /score} with {@code {"key": "...", "features": {"name": 1.0}, "time": 0}}: the prediction of
 * every model that runs for the key, without learning ({@link ModelQueries#score}), by the key's owner.
 * With a field mapping ({@code streamlearn.input.*}, {@link ModelQueries#eventMapping()}), the body is
 * instead one record as the events topic carries it, mapped as the topology maps it; {@code ?key=} and
 * {@code ?time=} stand for the record key and timestamp (for {@code record-key} and {@code record-timestamp});
 * a record that cannot be mapped is 400 with the dead letter's reason and path.
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
        FieldMapping mapping = queries.eventMapping();
        if (!mapping.isDefault()) {
            scoreMapped(ex, root, raw, mapping);
            return;
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
        send(ex, key, queries.score(key, features, time));
    }

    private void scoreMapped(HttpExchange ex, JsonNode root, byte[] raw, FieldMapping mapping) throws IOException, HttpError {
        String rawQuery = ex.getRequestURI().getRawQuery();
        Map<String, String> params = Exchanges.queryParams(rawQuery, "key", "time");
        Long time = null;
        if (params.containsKey("time")) {
            try {
                time = Long.parseLong(params.get("time"));
            } catch (NumberFormatException e) {
                throw new HttpError(400, "'time' must be epoch milliseconds (an integer)");
            }
        }
        boolean recordTime = FieldMapping.RECORD_TIMESTAMP.equals(mapping.settings().get(FieldMapping.TIMESTAMP));
        Event event;
        try {
            event = mapping.event(root, params.get("key"), time != null ? time : 0L);
        } catch (MappingException e) {
            throw new HttpError(400, e.reason() + ": " + e.getMessage());
        }
        String key = Exchanges.entityKey(event.getKey());
        for (Map.Entry<String, Double> f : event.getFeatures().entrySet()) {
            if (f.getValue() == null || !Double.isFinite(f.getValue())) {
                throw new HttpError(400, "feature '" + f.getKey() + "' must be a finite number");
            }
        }
        if (forwarding.forwardIfRemote(ex, key, rawQuery == null ? "/score" : "/score?" + rawQuery, raw)) {
            return;
        }
        send(ex, key, queries.score(key, event.getFeatures(), recordTime ? time : Long.valueOf(event.getTs())));
    }

    private void send(HttpExchange ex, String key, ModelQueries.ScoreResult result) throws IOException {
        List<Map<String, Object>> predictions = new ArrayList<>();
        for (ModelQueries.Score s : result.scores()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("model", s.model());
            p.put("champion", s.champion());
            p.put("version", s.version());
            p.put("mean", finiteOrNull(s.mean()));
            p.put("stddev", finiteOrNull(s.stddev()));
            if (!Double.isNaN(s.lower80())) {
                p.put("lower80", finiteOrNull(s.lower80()));
                p.put("upper80", finiteOrNull(s.upper80()));
                p.put("lower95", finiteOrNull(s.lower95()));
                p.put("upper95", finiteOrNull(s.upper95()));
            }
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
