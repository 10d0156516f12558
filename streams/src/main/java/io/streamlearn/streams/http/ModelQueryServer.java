package io.streamlearn.streams.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.streamlearn.learn.InvalidInputException;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTP endpoint of one application instance, on the JDK's built-in server. Routes:
 * <ul>
 *   <li>{@code GET /models/{key}}: every stored model of the entity key (URL-encoded path segment):
 *       learner spec, version (update count), last event time, and the learner's {@code inspect} arrays.
 *       404 when the key has no model.</li>
 *   <li>{@code GET /models?prefix=P&limit=N}: up to N (default 100, at most 10000) entity keys starting
 *       with P, gathered from every instance ({@code local=true}: this instance only), sorted; when more
 *       match ({@code "truncated": true}) the page is some N of them, not necessarily the first N.</li>
 *   <li>{@code POST /score} with {@code {"key": "...", "features": {"name": 1.0}, "time": 0}} (time
 *       optional): every model's prediction for those features, without learning.</li>
 *   <li>{@code DELETE /models/{key}}: asks for the key to be forgotten for good (its models and pending
 *       events deleted, tombstones in the changelogs) by writing a {@code forget:<key>} request to the
 *       {@code model-control} topic through {@link ForgetRequests}; 202 once Kafka has the request, with
 *       the topic and record key of the acknowledgement to come. Any instance may take it (the owning
 *       task carries it out). A write that cannot be undone: it needs a configured bearer token even on
 *       loopback (403 without one), and 405 when the server has no {@link ForgetRequests}.</li>
 *   <li>{@code GET /health}: 200 while Kafka Streams is RUNNING or REBALANCING, else 503; the state and
 *       the number of store partitions being restored in the body. Never needs the token.</li>
 *   <li>{@code GET /ready}: as {@code /health}, but 503 also while any active task restores its store
 *       from the changelog (a Kubernetes readiness probe). Never needs the token.</li>
 *   <li>{@code GET /priors}: the population priors of this instance's tasks, per partition and model
 *       ({@link PriorsRoute}); {@code GET /models/{key}} also shows those of the key's task.</li>
 *   <li>{@code GET /metrics}: Prometheus text format.</li>
 * </ul>
 * A key owned by another instance is answered through that instance (one hop: a forwarded request
 * carries {@value #FORWARDED_HEADER} and is never forwarded again), asynchronously, so a request thread
 * never waits for another instance; a listing asks the other instances in turn, each within the
 * forwarding timeout, and names those that did not answer ({@code "unreachable"}). Bound to a loopback address by
 * default; bound to any other address it refuses to start without a bearer token, which then every
 * route but {@code /health} and {@code /ready} requires ({@code Authorization: Bearer <token>}) and which forwarded
 * requests pass on. A request line that is not a valid URI (e.g. {@code /models/%zz}) is refused with
 * 400 by the JDK server itself, before routing, in plain text. Other errors are JSON {@code {"error": "..."}} with a 4xx status for a bad request
 * (bad key encoding, bad JSON, body over {@value #MAX_BODY_BYTES} bytes, unknown path, wrong method)
 * and never carry a stack trace.
 *
 * <p>This class holds the life cycle and the route table; each route is a class of its own
 * ({@link HealthRoute}, {@link ModelRoute}, {@link ForgetRoute}, {@link ScoreRoute}, {@link KeysRoute}, {@link PriorsRoute}),
 * beside the forwarding to other instances ({@link Forwarding}) and the access checks ({@link AccessChecks}).
 *
 * <pre>{@code
 * try (ModelQueryServer server = ModelQueryServer.start(queries, metrics::scrape, ModelQueryServer.Options.local(0))) {
 *     HttpResponse<String> r = HttpClient.newHttpClient().send(
 *             HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/models/device-1")).build(),
 *             HttpResponse.BodyHandlers.ofString());
 * }
 * }</pre>
 */
public final class ModelQueryServer implements AutoCloseable {

    /** Largest accepted request body. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** Header marking a request forwarded by another instance. */
    public static final String FORWARDED_HEADER = "X-Streamlearn-Forwarded";
    /** Default and largest {@code limit} of a key listing. */
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;
    /** Longest accepted entity key, in characters. */
    public static final int MAX_KEY_LENGTH = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ModelQueryServer.class);
    private static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * How the server listens.
     *
     * @param bindAddress    address to bind, e.g. {@code 127.0.0.1}; a non-loopback one needs a token
     * @param port           port, 0 for an ephemeral one
     * @param token          bearer token, or null for none (loopback only)
     * @param forwardTimeout timeout of a request forwarded to another instance
     * @param threads        request threads
     */
    public record Options(String bindAddress, int port, String token, Duration forwardTimeout, int threads,
                          javax.net.ssl.SSLContext tls) {
        /** Without TLS (plain HTTP). */
        public Options(String bindAddress, int port, String token, Duration forwardTimeout, int threads) {
            this(bindAddress, port, token, forwardTimeout, threads, null);
        }

        /** The same, served over HTTPS with {@code context} (its key for the server, its trust for forwarding). */
        public Options withTls(javax.net.ssl.SSLContext context) {
            return new Options(bindAddress, port, token, forwardTimeout, threads, context);
        }

        /** Loopback, no token, 5 s forwarding timeout, 4 threads. */
        public static Options local(int port) {
            return new Options("127.0.0.1", port, null, Duration.ofSeconds(5), 4);
        }

        public Options withBind(String address) {
            return new Options(address, port, token, forwardTimeout, threads, tls);
        }

        public Options withToken(String bearerToken) {
            return new Options(bindAddress, port, bearerToken, forwardTimeout, threads, tls);
        }
    }

    private final ModelQueries queries;
    private final Supplier<String> metrics;
    private final MeterRegistry registry;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AccessChecks access;
    private final HealthRoute health;
    private final ModelRoute model;
    private final ForgetRoute forget;
    private final ScoreRoute score;
    private final KeysRoute keys;
    private final PriorsRoute priors;

    private ModelQueryServer(ModelQueries queries, ForgetRequests forget, Supplier<String> metrics, MeterRegistry registry,
                             Options options) throws IOException {
        this.queries = queries;
        this.metrics = metrics;
        this.registry = registry;
        this.access = new AccessChecks(options.token());
        InetAddress address = InetAddress.getByName(options.bindAddress());
        if (!address.isLoopbackAddress() && !access.hasToken()) {
            throw new IllegalArgumentException("the HTTP endpoint binds to " + options.bindAddress()
                    + ", which is not a loopback address: a bearer token is required");
        }
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(Math.max(1, options.threads()), r -> {
            Thread t = new Thread(r, "streamlearn-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Forwarding forwarding = new Forwarding(queries, options.forwardTimeout(), this::finishAsync, options.tls());
        this.health = new HealthRoute(queries);
        this.model = new ModelRoute(queries, forwarding);
        this.forget = forget == null ? null : new ForgetRoute(forget, access, this::finishAsync);
        this.score = new ScoreRoute(queries, forwarding);
        this.keys = new KeysRoute(queries, forwarding);
        this.priors = new PriorsRoute(queries);
        if (options.tls() != null) {
            com.sun.net.httpserver.HttpsServer https =
                    com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(address, options.port()), 64);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(options.tls()));
            this.server = https;
        } else {
            this.server = HttpServer.create(new InetSocketAddress(address, options.port()), 64);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /**
     * Starts a server.
     *
     * @param queries the instance's queries, not null
     * @param metrics renders {@code /metrics}, e.g. {@code StreamlearnMetrics::scrape}; not null
     * @throws IllegalArgumentException if it would bind a non-loopback address without a token
     * @throws IOException              if the port cannot be bound
     */
    public static ModelQueryServer start(ModelQueries queries, Supplier<String> metrics, Options options) throws IOException {
        return new ModelQueryServer(queries, null, metrics, null, options);
    }

    /**
     * Starts a server that also counts its requests in {@code registry} as
     * {@code streamlearn_http_requests_total{route, status}}.
     */
    public static ModelQueryServer start(ModelQueries queries, Supplier<String> metrics, MeterRegistry registry,
                                         Options options) throws IOException {
        return new ModelQueryServer(queries, null, metrics, registry, options);
    }

    /**
     * Starts a server that also answers {@code DELETE /models/{key}} through {@code forget}.
     *
     * @param forget   sends forget requests, or null to refuse DELETE (405)
     * @param registry counts requests, or null
     */
    public static ModelQueryServer start(ModelQueries queries, ForgetRequests forget, Supplier<String> metrics,
                                         MeterRegistry registry, Options options) throws IOException {
        return new ModelQueryServer(queries, forget, metrics, registry, options);
    }

    /** The bound port (the ephemeral one when started with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange ex) {
        try {
            respond(ex);
        } finally {
            if (!Exchanges.isAsync(ex)) {
                countRequest(ex);
            }
        }
    }

    /** Closes and counts an exchange that a callback answered. */
    private void finishAsync(HttpExchange ex) {
        ex.close();
        countRequest(ex);
    }

    private void countRequest(HttpExchange ex) {
        if (registry != null) {
            registry.counter("streamlearn.http.requests", "route", routeName(ex.getRequestURI().getRawPath()),
                    "status", Integer.toString(ex.getResponseCode())).increment();
        }
    }

    /** A bounded set of route names for the request counter's tag (never the raw path: keys are unbounded). */
    private static String routeName(String path) {
        if (path.equals("/health") || path.equals("/ready") || path.equals("/metrics") || path.equals("/models") || path.equals("/score")
                || path.equals("/priors")) {
            return path.substring(1);
        }
        return path.startsWith("/models/") ? "models/{key}" : "other";
    }

    private void respond(HttpExchange ex) {
        try {
            route(ex);
        } catch (HttpError e) {
            Exchanges.sendQuietly(ex, e.status, e.getMessage());
        } catch (InvalidStateStoreException e) {
            ex.getResponseHeaders().set("Retry-After", "1");
            Exchanges.sendQuietly(ex, 503, "model store not queryable now (" + queries.streamsState() + "), retry");
        } catch (InvalidInputException e) {
            Exchanges.sendQuietly(ex, 400, "invalid features: " + e.getMessage());
        } catch (IOException e) {
            LOG.debug("HTTP response not delivered: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            Exchanges.sendQuietly(ex, 500, "internal error");
        } finally {
            if (!Exchanges.isAsync(ex)) {
                ex.close();
            }
        }
    }

    private void route(HttpExchange ex) throws IOException, HttpError {
        String path = ex.getRequestURI().getRawPath();
        if (path.equals("/health") || path.equals("/ready")) {
            requireMethod(ex, "GET");
            health.handle(ex, path.equals("/ready"));
            return;
        }
        boolean known = path.equals("/metrics") || path.equals("/models") || path.startsWith("/models/") || path.equals("/score")
                || path.equals("/priors");
        if (!known) {
            throw new HttpError(404, "no such resource: " + path);
        }
        access.check(ex);
        if (path.equals("/metrics")) {
            requireMethod(ex, "GET");
            Exchanges.send(ex, 200, METRICS_TYPE, metrics.get().getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/models")) {
            requireMethod(ex, "GET");
            keys.handle(ex);
        } else if (path.equals("/priors")) {
            requireMethod(ex, "GET");
            priors.handle(ex);
        } else if (path.startsWith("/models/")) {
            String raw = path.substring("/models/".length());
            if (raw.contains("/")) {
                throw new HttpError(404, "no such resource: " + path + " (encode '/' in a key as %2F)");
            }
            if ("DELETE".equals(ex.getRequestMethod()) && forget != null) {
                forget.handle(ex, raw);
            } else {
                requireMethod(ex, "GET", forget != null ? "GET, DELETE" : "GET");
                model.handle(ex, raw);
            }
        } else {
            requireMethod(ex, "POST");
            score.handle(ex);
        }
    }

    private void requireMethod(HttpExchange ex, String allowed) throws HttpError {
        requireMethod(ex, allowed, allowed);
    }

    /** Requires method {@code required}; a 405 names every method of the resource ({@code allowed}). */
    private void requireMethod(HttpExchange ex, String required, String allowed) throws HttpError {
        if (!required.equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", allowed);
            throw new HttpError(405, "method " + ex.getRequestMethod() + " not allowed here; use " + allowed);
        }
    }
}
