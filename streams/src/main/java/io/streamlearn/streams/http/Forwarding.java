package io.streamlearn.streams.http;

import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Answers through another instance: a request for a key owned elsewhere goes to the owner, one hop only
 * (a forwarded request carries {@value ModelQueryServer#FORWARDED_HEADER} and is never forwarded again),
 * asynchronously, so a request thread never waits for another instance. Also builds the requests a
 * listing sends to the other instances. Thread-safe.
 */
final class Forwarding {

    private static final Logger LOG = LoggerFactory.getLogger(ModelQueryServer.class);

    private final ModelQueries queries;
    private final HttpClient client;
    private final Duration timeout;
    private final Consumer<HttpExchange> done;

    private final String scheme;

    /**
     * @param timeout timeout of a forwarded request (and of connecting)
     * @param done    closes and counts an exchange answered asynchronously
     */
    Forwarding(ModelQueries queries, Duration timeout, Consumer<HttpExchange> done) {
        this(queries, timeout, done, null);
    }

    /** With {@code tls} not null, other instances are reached over HTTPS, trusting what {@code tls} trusts. */
    Forwarding(ModelQueries queries, Duration timeout, Consumer<HttpExchange> done, javax.net.ssl.SSLContext tls) {
        this.queries = queries;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.client = builder.build();
        this.scheme = tls != null ? "https://" : "http://";
        this.timeout = timeout;
        this.done = done;
    }

    /** The client of the forwarded requests. */
    HttpClient client() {
        return client;
    }

    /** Whether the request was forwarded by another instance (then it is never forwarded again). */
    static boolean isForwarded(HttpExchange ex) {
        return ex.getRequestHeaders().containsKey(ModelQueryServer.FORWARDED_HEADER);
    }

    /** Answers through the owner when the key is elsewhere; false when this instance should answer. */
    boolean forwardIfRemote(HttpExchange ex, String key, String rawPath, byte[] body) throws IOException, HttpError {
        ModelQueries.Route route = queries.route(key);
        switch (route.kind()) {
            case LOCAL:
                return false;
            case UNAVAILABLE:
                ex.getResponseHeaders().set("Retry-After", "1");
                throw new HttpError(503, "key '" + key + "' is not queryable now: " + route.reason());
            default:
                break;
        }
        String owner = route.host() + ":" + route.port();
        if (isForwarded(ex)) {
            // The sender thought we own the key; ownership is moving. One hop only: no loops.
            ex.getResponseHeaders().set("Retry-After", "1");
            throw new HttpError(503, "key '" + key + "' is moving to " + owner + ", retry");
        }
        // Asynchronous: this request thread is free again at once, so that two instances forwarding to
        // each other under load cannot tie up each other's request threads waiting for a free one.
        CompletableFuture<HttpResponse<byte[]>> answer =
                client.sendAsync(request(ex, owner, rawPath, body), HttpResponse.BodyHandlers.ofByteArray());
        Exchanges.markAsync(ex);
        answer.whenComplete((r, failure) -> {
            try {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    Exchanges.sendError(ex, 502, "the instance owning key '" + key + "' (" + owner + ") did not answer ("
                            + (cause instanceof HttpTimeoutException ? "timed out" : "connection failed") + ")");
                } else {
                    Exchanges.send(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse(Exchanges.JSON), r.body());
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("forwarded HTTP response not delivered: {}", e.toString());
            } finally {
                done.accept(ex);
            }
        });
        return true;
    }

    HttpRequest request(HttpExchange ex, String hostPort, String rawPathAndQuery, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(scheme + hostPort + rawPathAndQuery))
                .timeout(timeout)
                .header(ModelQueryServer.FORWARDED_HEADER, queries.self().orElse("peer"));
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (body == null) {
            b.GET();
        } else {
            b.header("Content-Type", Exchanges.JSON).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        }
        return b.build();
    }
}
