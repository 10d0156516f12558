package io.streamlearn.streams.http;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /priors}: the population priors of this instance's tasks (issue #14), one entry per
 * partition and model: how many keys contribute, the mean, the prior variances (Kalman family) and the
 * keys' mean noise variance. Each instance answers for the partitions it holds; a key's own task's
 * priors are also in {@code GET /models/{key}} ({@link #json}).
 */
final class PriorsRoute {

    private final ModelQueries queries;

    PriorsRoute(ModelQueries queries) {
        this.queries = queries;
    }

    void handle(HttpExchange ex) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        queries.self().ifPresent(s -> body.put("instance", s));
        body.put("priors", json(queries.priors()));
        Exchanges.sendJson(ex, 200, body);
    }

    /** The JSON form of the priors: {@code partition, model, keys, mean[, covarianceDiagonal][, noiseVariance]}. */
    static List<Map<String, Object>> json(List<ModelQueries.PriorView> priors) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ModelQueries.PriorView p : priors) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("partition", p.partition());
            m.put("model", p.model());
            m.put("keys", p.keys());
            m.put("mean", p.mean());
            if (p.covarianceDiagonal() != null) {
                m.put("covarianceDiagonal", p.covarianceDiagonal());
            }
            if (!Double.isNaN(p.noiseVariance())) {
                m.put("noiseVariance", p.noiseVariance());
            }
            out.add(m);
        }
        return out;
    }
}
