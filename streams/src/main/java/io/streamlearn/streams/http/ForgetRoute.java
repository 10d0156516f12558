package io.streamlearn.streams.http;

import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * {@code DELETE /models/{key}}: writes a {@code forget:<key>} request through {@link ForgetRequests} and
 * answers 202 once Kafka has it, without holding a request thread meanwhile. Needs a configured bearer
 * token even on loopback (403 without one).
 */
final class ForgetRoute {

    private static final Logger LOG = LoggerFactory.getLogger(ModelQueryServer.class);

    private final ForgetRequests forget;
    private final AccessChecks access;
    private final Consumer<HttpExchange> done;

    /** @param done closes and counts the exchange once answered */
    ForgetRoute(ForgetRequests forget, AccessChecks access, Consumer<HttpExchange> done) {
        this.forget = forget;
        this.access = access;
        this.done = done;
    }

    void handle(HttpExchange ex, String rawKey) throws HttpError {
        String key = Exchanges.entityKey(Exchanges.decodePercent(rawKey, false));
        if (!access.hasToken()) {
            throw new HttpError(403, "forgetting a key over HTTP needs a bearer token (--http-token-file or $"
                    + HttpOptions.TOKEN_ENV + "), even on loopback; or write forget:<key> to the model-control topic");
        }
        CompletableFuture<ForgetRequests.Receipt> sent;
        try {
            sent = forget.forget(key);
        } catch (UnsupportedOperationException e) {
            ex.getResponseHeaders().set("Allow", "GET");
            throw new HttpError(405, "DELETE is not available here: " + e.getMessage());
        }
        // Answered when Kafka has the request (or gives up, within the producer's delivery timeout),
        // without holding a request thread meanwhile.
        Exchanges.markAsync(ex);
        sent.whenComplete((receipt, failure) -> {
            try {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    LOG.warn("Forget request for key '{}' not written: {}", key, cause.toString());
                    ex.getResponseHeaders().set("Retry-After", "1");
                    Exchanges.sendError(ex, 503, "the forget request for key '" + key + "' was not written to Kafka ("
                            + (cause.getMessage() == null ? "no detail" : cause.getMessage())
                            + "); retry (forgetting twice is harmless)");
                } else {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("key", key);
                    body.put("status", "accepted");
                    Map<String, Object> request = new LinkedHashMap<>();
                    request.put("topic", receipt.topic());
                    request.put("partition", receipt.partition());
                    request.put("offset", receipt.offset());
                    body.put("request", request);
                    Map<String, Object> ack = new LinkedHashMap<>();
                    ack.put("topic", receipt.acksTopic());
                    ack.put("key", key);
                    body.put("acknowledgement", ack);
                    Exchanges.sendJson(ex, 202, body);
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("HTTP response to a forget request not delivered: {}", e.toString());
            } finally {
                done.accept(ex);
            }
        });
    }
}
