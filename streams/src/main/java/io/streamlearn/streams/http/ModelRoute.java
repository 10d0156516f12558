package io.streamlearn.streams.http;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /models/{key}}: every stored model of the entity key (URL-encoded path segment), answered
 * by the instance that owns the key; 404 when the key has no model.
 */
final class ModelRoute {

    private final ModelQueries queries;
    private final Forwarding forwarding;

    ModelRoute(ModelQueries queries, Forwarding forwarding) {
        this.queries = queries;
        this.forwarding = forwarding;
    }

    void handle(HttpExchange ex, String rawKey) throws IOException, HttpError {
        String key = Exchanges.entityKey(Exchanges.decodePercent(rawKey, false));
        if (forwarding.forwardIfRemote(ex, key, "/models/" + rawKey, null)) {
            return;
        }
        List<ModelQueries.ModelView> views = queries.models(key);
        if (views.isEmpty()) {
            throw new HttpError(404, "no model stored for key '" + key + "'");
        }
        List<Map<String, Object>> models = new ArrayList<>();
        for (ModelQueries.ModelView v : views) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", v.model());
            m.put("champion", v.champion());
            m.put("spec", v.spec());
            m.put("version", v.version());
            m.put("lastEventTime", v.lastEventTime());
            m.put("state", v.state());
            if (v.error() != null) {
                m.put("error", v.error());
            }
            models.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", key);
        queries.self().ifPresent(s -> body.put("instance", s));
        body.put("models", models);
        List<ModelQueries.PriorView> priors = queries.priorsOf(key);
        if (!priors.isEmpty()) {
            body.put("priors", PriorsRoute.json(priors));   // the population priors of the key's task
        }
        Exchanges.sendJson(ex, 200, body);
    }
}
