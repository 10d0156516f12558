package io.streamlearn.streams.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code GET /models?prefix=P&limit=N}: up to N entity keys starting with P, gathered from this instance
 * and, unless {@code local=true} or forwarded, from every other instance in turn (each within the
 * forwarding timeout; those that did not answer are named in {@code "unreachable"}), sorted.
 */
final class KeysRoute {

    private final ModelQueries queries;
    private final Forwarding forwarding;

    KeysRoute(ModelQueries queries, Forwarding forwarding) {
        this.queries = queries;
        this.forwarding = forwarding;
    }

    void handle(HttpExchange ex) throws IOException, HttpError {
        Map<String, String> params = Exchanges.queryParams(ex.getRequestURI().getRawQuery());
        String prefix = params.getOrDefault("prefix", "");
        if (prefix.indexOf('\u0000') >= 0) {
            throw new HttpError(400, "prefix must not contain U+0000");
        }
        int limit = ModelQueryServer.DEFAULT_LIMIT;
        if (params.containsKey("limit")) {
            try {
                limit = Integer.parseInt(params.get("limit"));
            } catch (NumberFormatException e) {
                throw new HttpError(400, "limit must be an integer");
            }
            if (limit < 1 || limit > ModelQueryServer.MAX_LIMIT) {
                throw new HttpError(400, "limit must be in 1.." + ModelQueryServer.MAX_LIMIT);
            }
        }
        boolean localOnly = "true".equals(params.get("local")) || Forwarding.isForwarded(ex);
        ModelQueries.KeyPage local = queries.keys(prefix, limit);
        TreeSet<String> keys = new TreeSet<>(local.keys());
        boolean truncated = local.truncated();
        List<String> unreachable = new ArrayList<>();
        int instances = 1;
        if (!localOnly) {
            String query = "?prefix=" + Exchanges.encodeQuery(prefix) + "&limit=" + limit + "&local=true";
            for (String peer : queries.peers()) {
                instances++;
                try {
                    HttpResponse<byte[]> r = forwarding.client().send(forwarding.request(ex, peer, "/models" + query, null), HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200) {
                        unreachable.add(peer);
                        continue;
                    }
                    JsonNode page = Exchanges.MAPPER.readTree(r.body());
                    for (JsonNode k : page.path("keys")) {
                        keys.add(k.asText());
                    }
                    truncated |= page.path("truncated").asBoolean(false);
                } catch (IOException e) {
                    unreachable.add(peer);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HttpError(503, "interrupted");
                }
            }
        }
        List<String> page = new ArrayList<>();
        for (String k : keys) {
            if (page.size() == limit) {
                truncated = true;
                break;
            }
            page.add(k);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("keys", page);
        body.put("truncated", truncated);
        body.put("instances", instances);
        if (!unreachable.isEmpty()) {
            body.put("unreachable", unreachable);
        }
        Exchanges.sendJson(ex, 200, body);
    }
}
