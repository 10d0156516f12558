package io.streamlearn.streams.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 *       optional): every model's prediction for those features, without learning. With a field mapping
 *       ({@code streamlearn.input.*}), the body is instead one record as the events topic carries it, mapped
 *       the same way ({@code ?key=} and {@code ?time=} stand for the record key and timestamp).</li>
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
    /** Exchange attribute set once a forwarding callback owns the exchange. */
    private static final String ASYNC_ATTRIBUTE = "io.streamlearn.http.forwarding";
    /** Largest oversized body read (and discarded) before answering 413, so the client sees the answer. */
    private static final long DRAIN_LIMIT_BYTES = 1L << 20;
    /** Header marking a request forwarded by another instance. */
    public static final String FORWARDED_HEADER = "X-Streamlearn-Forwarded";
    /** Default and largest {@code limit} of a key listing. */
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 10_000;
    /** Longest accepted entity key, in characters. */
    public static final int MAX_KEY_LENGTH = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ModelQueryServer.class);
    private static final String JSON = "application/json; charset=utf-8";
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
    public record Options(String bindAddress, int port, String token, Duration forwardTimeout, int threads) {
        /** Loopback, no token, 5 s forwarding timeout, 4 threads. */
        public static Options local(int port) {
            return new Options("127.0.0.1", port, null, Duration.ofSeconds(5), 4);
        }

        public Options withBind(String address) {
            return new Options(address, port, token, forwardTimeout, threads);
        }

        public Options withToken(String bearerToken) {
            return new Options(bindAddress, port, bearerToken, forwardTimeout, threads);
        }
    }

    /** A request that gets a 4xx (or 5xx) JSON answer. */
    private static final class HttpError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final ModelQueries queries;
    private final ForgetRequests forget;
    private final Supplier<String> metrics;
    private final MeterRegistry registry;
    private final Options options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final ObjectMapper mapper = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private ModelQueryServer(ModelQueries queries, ForgetRequests forget, Supplier<String> metrics, MeterRegistry registry,
                             Options options) throws IOException {
        this.queries = queries;
        this.forget = forget;
        this.metrics = metrics;
        this.registry = registry;
        this.options = options;
        InetAddress address = InetAddress.getByName(options.bindAddress());
        boolean hasToken = options.token() != null && !options.token().isBlank();
        if (!address.isLoopbackAddress() && !hasToken) {
            throw new IllegalArgumentException("the HTTP endpoint binds to " + options.bindAddress()
                    + ", which is not a loopback address: a bearer token is required");
        }
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(Math.max(1, options.threads()), r -> {
            Thread t = new Thread(r, "streamlearn-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().connectTimeout(options.forwardTimeout()).build();
        this.server = HttpServer.create(new InetSocketAddress(address, options.port()), 64);
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
            if (!isAsync(ex)) {
                countRequest(ex);
            }
        }
    }

    /** Whether the exchange was handed to a forwarding callback, which answers, counts and closes it. */
    private static boolean isAsync(HttpExchange ex) {
        return ex.getAttribute(ASYNC_ATTRIBUTE) != null;
    }

    private void countRequest(HttpExchange ex) {
        if (registry != null) {
            registry.counter("streamlearn.http.requests", "route", routeName(ex.getRequestURI().getRawPath()),
                    "status", Integer.toString(ex.getResponseCode())).increment();
        }
    }

    /** A bounded set of route names for the request counter's tag (never the raw path: keys are unbounded). */
    private static String routeName(String path) {
        if (path.equals("/health") || path.equals("/ready") || path.equals("/metrics") || path.equals("/models") || path.equals("/score")) {
            return path.substring(1);
        }
        return path.startsWith("/models/") ? "models/{key}" : "other";
    }

    private void respond(HttpExchange ex) {
        try {
            route(ex);
        } catch (HttpError e) {
            sendQuietly(ex, e.status, e.getMessage());
        } catch (InvalidStateStoreException e) {
            ex.getResponseHeaders().set("Retry-After", "1");
            sendQuietly(ex, 503, "model store not queryable now (" + queries.streamsState() + "), retry");
        } catch (InvalidInputException e) {
            sendQuietly(ex, 400, "invalid features: " + e.getMessage());
        } catch (IOException e) {
            LOG.debug("HTTP response not delivered: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            sendQuietly(ex, 500, "internal error");
        } finally {
            if (!isAsync(ex)) {
                ex.close();
            }
        }
    }

    private void sendQuietly(HttpExchange ex, int status, String message) {
        try {
            sendError(ex, status, message);
        } catch (IOException e) {
            LOG.debug("HTTP response not delivered: {}", e.toString());
        }
    }

    private void route(HttpExchange ex) throws IOException, HttpError {
        String path = ex.getRequestURI().getRawPath();
        if (path.equals("/health") || path.equals("/ready")) {
            requireMethod(ex, "GET");
            health(ex, path.equals("/ready"));
            return;
        }
        boolean known = path.equals("/metrics") || path.equals("/models") || path.startsWith("/models/") || path.equals("/score");
        if (!known) {
            throw new HttpError(404, "no such resource: " + path);
        }
        requireLoopbackHostWithoutToken(ex);
        authorize(ex);
        if (path.equals("/metrics")) {
            requireMethod(ex, "GET");
            send(ex, 200, METRICS_TYPE, metrics.get().getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/models")) {
            requireMethod(ex, "GET");
            listKeys(ex);
        } else if (path.startsWith("/models/")) {
            String raw = path.substring("/models/".length());
            if (raw.contains("/")) {
                throw new HttpError(404, "no such resource: " + path + " (encode '/' in a key as %2F)");
            }
            if ("DELETE".equals(ex.getRequestMethod()) && forget != null) {
                forget(ex, raw);
            } else {
                requireMethod(ex, "GET", forget != null ? "GET, DELETE" : "GET");
                model(ex, raw);
            }
        } else {
            requireMethod(ex, "POST");
            score(ex);
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

    /**
     * Without a token the server is bound to loopback, and only requests addressed to a loopback name
     * are answered: a web page whose host name an attacker re-points at 127.0.0.1 (DNS rebinding) sends
     * its own name in {@code Host} and gets 403, so a browser on this machine cannot read the models.
     * A request without {@code Host} (HTTP/1.0, not a browser) is let through.
     */
    private void requireLoopbackHostWithoutToken(HttpExchange ex) throws HttpError {
        String token = options.token();
        if (token != null && !token.isBlank()) {
            return;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || isLoopbackName(host)) {
            return;
        }
        throw new HttpError(403, "without a bearer token this endpoint answers only requests addressed to localhost or a "
                + "loopback address, not to '" + host + "' (configure a token to serve other names)");
    }

    /** Whether a Host header value ({@code name[:port]}, {@code [v6][:port]}) names loopback. */
    static boolean isLoopbackName(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0) {
                return false;
            }
            h = h.substring(1, end);
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        if (h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        // an IPv4 literal 127.x.y.z (no name resolution here: a name other than localhost is refused)
        String[] parts = h.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit) || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private void authorize(HttpExchange ex) throws HttpError {
        String token = options.token();
        if (token == null || token.isBlank()) {
            return;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        if (header == null || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new HttpError(401, "a valid bearer token is required");
        }
    }

    /**
     * {@code /health}: 200 while Kafka Streams runs or rebalances (a failed or stopped instance: 503).
     * {@code /ready}: 200 only when, besides, no active task is restoring its store from the changelog,
     * so an instance that took over partitions is not ready until it has caught up with them.
     */
    private void health(HttpExchange ex, boolean readiness) throws IOException {
        boolean serving = queries.isServing();
        int restoring = queries.restoringPartitions();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", queries.streamsState());
        body.put("serving", serving);
        body.put("restoringPartitions", restoring);
        boolean ok = readiness ? serving && restoring == 0 : serving;
        if (readiness) {
            body.put("ready", ok);
        }
        sendJson(ex, ok ? 200 : 503, body);
    }

    // ---- GET /models/{key}

    private void model(HttpExchange ex, String rawKey) throws IOException, HttpError {
        String key = entityKey(decodePercent(rawKey, false));
        if (forwardIfRemote(ex, key, "/models/" + rawKey, null)) {
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
        sendJson(ex, 200, body);
    }

    // ---- DELETE /models/{key}

    private void forget(HttpExchange ex, String rawKey) throws HttpError {
        String key = entityKey(decodePercent(rawKey, false));
        if (options.token() == null || options.token().isBlank()) {
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
        ex.setAttribute(ASYNC_ATTRIBUTE, Boolean.TRUE);
        sent.whenComplete((receipt, failure) -> {
            try {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    LOG.warn("Forget request for key '{}' not written: {}", key, cause.toString());
                    ex.getResponseHeaders().set("Retry-After", "1");
                    sendError(ex, 503, "the forget request for key '" + key + "' was not written to Kafka ("
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
                    sendJson(ex, 202, body);
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("HTTP response to a forget request not delivered: {}", e.toString());
            } finally {
                ex.close();
                countRequest(ex);
            }
        });
    }

    // ---- POST /score

    private void score(HttpExchange ex) throws IOException, HttpError {
        byte[] raw = readBody(ex);
        JsonNode root;
        try {
            root = mapper.readTree(raw);
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
        String key = entityKey(keyNode.textValue());
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
        if (forwardIfRemote(ex, key, "/score", raw)) {
            return;
        }
        sendScores(ex, key, queries.score(key, features, time));
    }

    /**
     * {@code POST /score} under a field mapping ({@code streamlearn.input.*}): the body is one record as the
     * events topic carries it, mapped as the topology maps it; {@code ?key=} is the record key (needed
     * with {@code streamlearn.input.key=record-key}), {@code ?time=} the record timestamp (with
     * {@code record-timestamp}; absent: the key's latest event time). A record that cannot be mapped is
     * 400 with the dead letter's reason and path.
     */
    private void scoreMapped(HttpExchange ex, JsonNode root, byte[] raw, FieldMapping mapping) throws IOException, HttpError {
        String rawQuery = ex.getRequestURI().getRawQuery();
        Map<String, String> params = queryParams(rawQuery, "key", "time");
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
        String key = entityKey(event.getKey());
        for (Map.Entry<String, Double> f : event.getFeatures().entrySet()) {
            if (f.getValue() == null || !Double.isFinite(f.getValue())) {
                throw new HttpError(400, "feature '" + f.getKey() + "' must be a finite number");
            }
        }
        if (forwardIfRemote(ex, key, rawQuery == null ? "/score" : "/score?" + rawQuery, raw)) {
            return;
        }
        sendScores(ex, key, queries.score(key, event.getFeatures(), recordTime ? time : Long.valueOf(event.getTs())));
    }

    private void sendScores(HttpExchange ex, String key, ModelQueries.ScoreResult result) throws IOException {
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
        sendJson(ex, 200, body);
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    // ---- GET /models?prefix=&limit=

    private void listKeys(HttpExchange ex) throws IOException, HttpError {
        Map<String, String> params = queryParams(ex.getRequestURI().getRawQuery());
        String prefix = params.getOrDefault("prefix", "");
        if (prefix.indexOf('\u0000') >= 0) {
            throw new HttpError(400, "prefix must not contain U+0000");
        }
        int limit = DEFAULT_LIMIT;
        if (params.containsKey("limit")) {
            try {
                limit = Integer.parseInt(params.get("limit"));
            } catch (NumberFormatException e) {
                throw new HttpError(400, "limit must be an integer");
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new HttpError(400, "limit must be in 1.." + MAX_LIMIT);
            }
        }
        boolean localOnly = "true".equals(params.get("local")) || isForwarded(ex);
        ModelQueries.KeyPage local = queries.keys(prefix, limit);
        TreeSet<String> keys = new TreeSet<>(local.keys());
        boolean truncated = local.truncated();
        List<String> unreachable = new ArrayList<>();
        int instances = 1;
        if (!localOnly) {
            String query = "?prefix=" + encodeQuery(prefix) + "&limit=" + limit + "&local=true";
            for (String peer : queries.peers()) {
                instances++;
                try {
                    HttpResponse<byte[]> r = client.send(request(ex, peer, "/models" + query, null), HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200) {
                        unreachable.add(peer);
                        continue;
                    }
                    JsonNode page = mapper.readTree(r.body());
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
        sendJson(ex, 200, body);
    }

    // ---- forwarding

    private boolean isForwarded(HttpExchange ex) {
        return ex.getRequestHeaders().containsKey(FORWARDED_HEADER);
    }

    /** Answers through the owner when the key is elsewhere; false when this instance should answer. */
    private boolean forwardIfRemote(HttpExchange ex, String key, String rawPath, byte[] body) throws IOException, HttpError {
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
        ex.setAttribute(ASYNC_ATTRIBUTE, Boolean.TRUE);
        answer.whenComplete((r, failure) -> {
            try {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    sendError(ex, 502, "the instance owning key '" + key + "' (" + owner + ") did not answer ("
                            + (cause instanceof HttpTimeoutException ? "timed out" : "connection failed") + ")");
                } else {
                    send(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse(JSON), r.body());
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("forwarded HTTP response not delivered: {}", e.toString());
            } finally {
                ex.close();
                countRequest(ex);
            }
        });
        return true;
    }

    private HttpRequest request(HttpExchange ex, String hostPort, String rawPathAndQuery, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + hostPort + rawPathAndQuery))
                .timeout(options.forwardTimeout())
                .header(FORWARDED_HEADER, queries.self().orElse("peer"));
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (body == null) {
            b.GET();
        } else {
            b.header("Content-Type", JSON).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        }
        return b.build();
    }

    // ---- parsing helpers

    private static String entityKey(String key) throws HttpError {
        if (key.isEmpty()) {
            throw new HttpError(400, "empty key");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new HttpError(400, "key longer than " + MAX_KEY_LENGTH + " characters");
        }
        if (key.indexOf('\u0000') >= 0) {
            throw new HttpError(400, "key must not contain U+0000");
        }
        return key;
    }

    /** Strict percent-decoding to UTF-8: a malformed escape or invalid UTF-8 is a 400. */
    static String decodePercent(String raw, boolean plusIsSpace) throws HttpError {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new HttpError(400, "malformed percent-encoding in '" + raw + "'");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new HttpError(400, "malformed percent-encoding in '" + raw + "'");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new HttpError(400, "key is not valid UTF-8 once percent-decoded");
        }
    }

    private static Map<String, String> queryParams(String rawQuery) throws HttpError {
        return queryParams(rawQuery, "prefix", "limit", "local");
    }

    private static Map<String, String> queryParams(String rawQuery, String... known) throws HttpError {
        List<String> names = List.of(known);
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decodePercent(eq < 0 ? pair : pair.substring(0, eq), true);
            String value = eq < 0 ? "" : decodePercent(pair.substring(eq + 1), true);
            if (!names.contains(name)) {
                throw new HttpError(400, "unknown query parameter '" + name + "' (expected " + String.join(", ", names) + ")");
            }
            params.put(name, value);
        }
        return params;
    }

    private static String encodeQuery(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static byte[] readBody(HttpExchange ex) throws IOException, HttpError {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "bad Content-Length");
            }
            if (declared > DRAIN_LIMIT_BYTES) {
                // Too big to read just to be polite: answer and drop the connection.
                ex.getResponseHeaders().set("Connection", "close");
                throw new HttpError(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                // Read the rest (up to a limit) so that the client sees the 413 rather than a reset.
                long skipped = 0;
                byte[] sink = new byte[8192];
                int n;
                while (skipped < DRAIN_LIMIT_BYTES && (n = in.read(sink)) > 0) {
                    skipped += n;
                }
                ex.getResponseHeaders().set("Connection", "close");
                throw new HttpError(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    // ---- responses

    private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, JSON, mapper.writeValueAsBytes(body));
    }

    private void sendError(HttpExchange ex, int status, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("status", status);
        sendJson(ex, status, body);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
