package io.streamlearn.streams.http;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /health} and {@code GET /ready}: never need the token. */
final class HealthRoute {

    private final ModelQueries queries;

    HealthRoute(ModelQueries queries) {
        this.queries = queries;
    }

    /**
     * {@code /health}: 200 while Kafka Streams runs or rebalances (a failed or stopped instance: 503).
     * {@code /ready}: 200 only when, besides, the instance has been RUNNING once (a starting instance is
     * not ready before its first tasks are assigned and restored) and no active task is restoring its
     * store from the changelog, so an instance that took over partitions is not ready until it has caught
     * up with them.
     */
    void handle(HttpExchange ex, boolean readiness) throws IOException {
        boolean serving = queries.isServing();
        int restoring = queries.restoringPartitions();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", queries.streamsState());
        body.put("serving", serving);
        body.put("restoringPartitions", restoring);
        boolean started = queries.hasStarted();
        boolean ok = readiness ? serving && started && restoring == 0 : serving;
        if (readiness) {
            body.put("started", started);
            body.put("ready", ok);
        }
        Exchanges.sendJson(ex, ok ? 200 : 503, body);
    }
}
