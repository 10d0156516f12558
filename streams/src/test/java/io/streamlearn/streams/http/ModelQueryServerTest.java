package io.streamlearn.streams.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real HTTP requests against servers on ephemeral ports, over fake instances. */
class ModelQueryServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<ModelQueryServer> servers = new ArrayList<>();

    /** One fake instance: a few keys, scores = sum of features + version. */
    static final class Fake implements ModelQueries {
        final String name;
        final TreeSet<String> keys = new TreeSet<>();
        Function<String, Route> router = k -> Route.local();
        List<String> peers = List.of();
        String state = "RUNNING";
        String self;
        final AtomicInteger modelCalls = new AtomicInteger();

        Fake(String name, String... keys) {
            this.name = name;
            this.keys.addAll(List.of(keys));
        }

        @Override
        public Route route(String entityKey) {
            return router.apply(entityKey);
        }

        @Override
        public List<ModelView> models(String entityKey) {
            modelCalls.incrementAndGet();
            if (entityKey.equals("boom")) {
                throw new IllegalStateException("secret internals");
            }
            if (entityKey.equals("moving")) {
                throw new InvalidStateStoreException("rebalancing");
            }
            if (!keys.contains(entityKey)) {
                return List.of();
            }
            return List.of(
                    new ModelView("sgd:lr=0.1", true, "sgd:lr=0.1", entityKey.length(), 1234L,
                            Map.of("weights", new double[] {1.5, -2.0}, "intercept", new double[] {0.25}), null),
                    new ModelView("kalman", false, "kalman:q=0", 0, null, Map.of(), null));
        }

        @Override
        public List<PriorView> priors() {
            return List.of(new PriorView(3, "kalman", 120, new double[] {1.5, -1.0, 2.0}, new double[] {0.3, 0.2, 0.5}, 0.25),
                    new PriorView(3, "sgd", 150, new double[] {1.4, -0.9, 2.1}, null, Double.NaN));
        }

        @Override
        public List<PriorView> priorsOf(String entityKey) {
            return keys.contains(entityKey) ? priors().subList(0, 1) : List.of();
        }

        @Override
        public KeyPage keys(String prefix, int limit) {
            List<String> out = new ArrayList<>();
            for (String k : keys.tailSet(prefix)) {
                if (!k.startsWith(prefix)) {
                    break;
                }
                if (out.size() == limit) {
                    return new KeyPage(out, true);
                }
                out.add(k);
            }
            return new KeyPage(out, false);
        }

        @Override
        public ScoreResult score(String entityKey, Map<String, Double> features, Long time) {
            double sum = 0;
            for (Map.Entry<String, Double> e : features.entrySet()) {
                if (!Double.isFinite(e.getValue())) {
                    throw new InvalidInputException("non-finite", e.getKey() + " is not finite");
                }
                sum += e.getValue();
            }
            boolean known = keys.contains(entityKey);
            return new ScoreResult(List.of(
                    new Score("sgd:lr=0.1", true, known ? 7 : 0, sum + (time == null ? 0 : time), Double.NaN, !known)), 0);
        }

        @Override
        public List<String> peers() {
            return peers;
        }

        @Override
        public String streamsState() {
            return state;
        }

        @Override
        public boolean isServing() {
            return state.equals("RUNNING") || state.equals("REBALANCING");
        }

        int restoring;

        @Override
        public int restoringPartitions() {
            return restoring;
        }

        boolean started = true;

        @Override
        public boolean hasStarted() {
            return started;
        }

        @Override
        public Optional<String> self() {
            return Optional.ofNullable(self);
        }

        FieldMapping mapping = FieldMapping.defaults(FieldMapping.INPUT_PREFIX);

        @Override
        public FieldMapping eventMapping() {
            return mapping;
        }
    }

    @AfterEach
    void stop() {
        servers.forEach(ModelQueryServer::close);
    }

    private ModelQueryServer start(Fake fake, ModelQueryServer.Options options) throws Exception {
        ModelQueryServer s = ModelQueryServer.start(fake, () -> "# HELP x_total x\n# TYPE x_total counter\nx_total 1.0\n", options);
        servers.add(s);
        fake.self = "127.0.0.1:" + s.port();
        return s;
    }

    /** Forget requests that are recorded and answered with {@code outcome}. */
    static class FakeForget implements ForgetRequests {
        final List<String> keys = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.function.Supplier<java.util.concurrent.CompletableFuture<Receipt>> outcome;

        @Override
        public java.util.concurrent.CompletableFuture<Receipt> forget(String key) {
            keys.add(key);
            if (outcome != null) {
                return outcome.get();
            }
            return java.util.concurrent.CompletableFuture.completedFuture(new Receipt(key, "model-control", 0, 41, "forget-acks"));
        }
    }

    private ModelQueryServer startWithForget(Fake fake, ForgetRequests forget, ModelQueryServer.Options options) throws Exception {
        ModelQueryServer s = ModelQueryServer.start(fake, forget, () -> "", null, options);
        servers.add(s);
        fake.self = "127.0.0.1:" + s.port();
        return s;
    }

    private HttpResponse<String> delete(ModelQueryServer s, String rawPath, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + rawPath)).DELETE();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends {@code request} (an HTTP/1.1 request head, and maybe part of a body) over a socket; returns the
     * answer's head and body (read up to its Content-Length, so the connection need not be closed).
     */
    private static String raw(ModelQueryServer s, String request) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.io.InputStream in = socket.getInputStream();
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            int end = -1;
            while (end < 0) {
                int b = in.read();
                if (b < 0) {
                    return answer.toString(java.nio.charset.StandardCharsets.UTF_8);
                }
                answer.write(b);
                if (answer.toString(java.nio.charset.StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    end = answer.size();
                }
            }
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                    .matcher(answer.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
            if (length.find()) {
                answer.write(in.readNBytes(Integer.parseInt(length.group(1))));
            }
            return answer.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private ModelQueryServer start(Fake fake) throws Exception {
        return start(fake, ModelQueryServer.Options.local(0));
    }

    private HttpResponse<String> get(ModelQueryServer s, String rawPath, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + rawPath));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(ModelQueryServer s, String rawPath, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + rawPath))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a request line that java.net.URI would refuse to build. */
    private static String rawGet(ModelQueryServer s, String rawPath) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET " + rawPath + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** A GET with a chosen Host header (java.net.http refuses to set it); returns the whole response. */
    private static String getWithHost(ModelQueryServer s, String rawPath, String host, String... extraHeaderLines) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(5000);
            StringBuilder req = new StringBuilder("GET " + rawPath + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : extraHeaderLines) {
                req.append(h).append("\r\n");
            }
            req.append("Connection: close\r\n\r\n");
            socket.getOutputStream().write(req.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldAnswerOnlyLoopbackHostNamesWithoutATokenAgainstDnsRebinding() throws Exception {
        ModelQueryServer open = start(new Fake("a", "a-1"), ModelQueryServer.Options.local(0));
        String refused = getWithHost(open, "/models/a-1", "attacker.example:" + open.port());
        assertTrue(refused.startsWith("HTTP/1.1 403"), refused);
        assertTrue(refused.contains("attacker.example"), refused);
        assertFalse(refused.contains("a-1\""), "no model in the refusal: " + refused);
        assertTrue(getWithHost(open, "/metrics", "evil.test").startsWith("HTTP/1.1 403"));
        for (String ok : new String[] {"localhost:" + open.port(), "127.0.0.1:" + open.port(), "127.0.0.1", "[::1]:" + open.port(),
                "LOCALHOST", "app.localhost:1"}) {
            String r = getWithHost(open, "/models/a-1", ok);
            assertTrue(r.startsWith("HTTP/1.1 200"), ok + " -> " + r);
        }
        assertTrue(getWithHost(open, "/health", "attacker.example").startsWith("HTTP/1.1 200"), "health is not protected data");
        // With a token, any Host is fine (the token is the protection)
        ModelQueryServer tokened = start(new Fake("b", "b-1"), ModelQueryServer.Options.local(0).withToken("s3cret"));
        assertTrue(getWithHost(tokened, "/models/b-1", "models.internal:8080", "Authorization: Bearer s3cret")
                .startsWith("HTTP/1.1 200"));
        assertTrue(getWithHost(tokened, "/models/b-1", "models.internal:8080").startsWith("HTTP/1.1 401"));
    }

    @Test
    void shouldTellLoopbackHostNamesFromOthers() {
        for (String yes : new String[] {"localhost", "localhost:80", "127.0.0.1", "127.1.2.3:9", "[::1]", "[::1]:8080", "x.localhost"}) {
            assertTrue(AccessChecks.isLoopbackName(yes), yes);
        }
        for (String no : new String[] {"example.com", "127.0.0.1.evil.com", "localhost.evil.com", "128.0.0.1", "127.0.0.256",
                "[::2]:80", "[::1", "127.0.0", "10.0.0.1:80", "", "localhostx"}) {
            assertFalse(AccessChecks.isLoopbackName(no), no);
        }
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        return JSON.readTree(r.body());
    }

    private static void assertJsonError(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertTrue(body.path("error").isTextual(), r.body());
        assertFalse(r.body().contains("Exception"), "no exception names or traces: " + r.body());
        assertFalse(r.body().contains("\tat "), r.body());
    }

    @Test
    void shouldReturnEveryModelOfAKey() throws Exception {
        ModelQueryServer s = start(new Fake("a", "device 1/x"));
        HttpResponse<String> r = get(s, "/models/device%201%2Fx");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertEquals("device 1/x", body.get("key").asText());
        JsonNode champion = body.get("models").get(0);
        assertEquals("sgd:lr=0.1", champion.get("spec").asText());
        assertTrue(champion.get("champion").asBoolean());
        assertEquals(10, champion.get("version").asLong());
        assertEquals(1234L, champion.get("lastEventTime").asLong());
        assertEquals(-2.0, champion.get("state").get("weights").get(1).asDouble(), 0.0);
        assertEquals(0.25, champion.get("state").get("intercept").get(0).asDouble(), 0.0);
        assertTrue(body.get("models").get(1).get("lastEventTime").isNull());
        assertJsonError(get(s, "/models/unknown"), 404);
    }

    @Test
    void shouldShowThePopulationPriorsOfTheInstancesTasksAndOfAKeysTask() throws Exception {
        ModelQueryServer s = start(new Fake("a", "dev-1"));
        HttpResponse<String> r = get(s, "/priors");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode priors = json(r).get("priors");
        assertEquals(2, priors.size());
        assertEquals(3, priors.get(0).get("partition").asInt());
        assertEquals("kalman", priors.get(0).get("model").asText());
        assertEquals(120, priors.get(0).get("keys").asLong());
        assertEquals(-1.0, priors.get(0).get("mean").get(1).asDouble(), 0.0);
        assertEquals(0.5, priors.get(0).get("covarianceDiagonal").get(2).asDouble(), 0.0);
        assertEquals(0.25, priors.get(0).get("noiseVariance").asDouble(), 0.0);
        assertFalse(priors.get(1).has("covarianceDiagonal"), "sgd keeps only the mean");
        assertFalse(priors.get(1).has("noiseVariance"));
        JsonNode model = json(get(s, "/models/dev-1"));
        assertEquals("kalman", model.get("priors").get(0).get("model").asText(), "the key's task's priors");
        HttpResponse<String> delete = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/priors"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, delete.statusCode(), "read only");
    }

    @Test
    void shouldListKeysByPrefixWithALimit() throws Exception {
        ModelQueryServer s = start(new Fake("a", "dev-1", "dev-2", "dev-3", "host-1"));
        JsonNode body = json(get(s, "/models?prefix=dev-&limit=2"));
        assertEquals(List.of("dev-1", "dev-2"), JSON.convertValue(body.get("keys"), List.class));
        assertTrue(body.get("truncated").asBoolean());
        body = json(get(s, "/models"));
        assertEquals(4, body.get("keys").size());
        assertFalse(body.get("truncated").asBoolean());
        assertJsonError(get(s, "/models?limit=0"), 400);
        assertJsonError(get(s, "/models?limit=ten"), 400);
        assertJsonError(get(s, "/models?colour=red"), 400);
    }

    @Test
    void shouldScoreWithoutLearning() throws Exception {
        ModelQueryServer s = start(new Fake("a", "k"));
        HttpResponse<String> r = post(s, "/score", "{\"key\":\"k\",\"features\":{\"x\":1.5,\"y\":2},\"time\":100}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode p = json(r).get("predictions").get(0);
        assertEquals(103.5, p.get("mean").asDouble(), 0.0);
        assertEquals(7, p.get("version").asLong());
        assertTrue(p.get("stddev").isNull());
        assertFalse(p.get("fresh").asBoolean());
        assertTrue(json(post(s, "/score", "{\"key\":\"new\",\"features\":{}}")).get("predictions").get(0).get("fresh").asBoolean());
    }

    @Test
    void shouldScoreARecordInTheTopicsOwnShapeUnderAFieldMapping() throws Exception {
        Fake fake = new Fake("a", "k");
        fake.mapping = FieldMapping.of(Map.of("streamlearn.input.key", "user.id", "streamlearn.input.timestamp", "at",
                "streamlearn.input.features", "*"), FieldMapping.INPUT_PREFIX);
        ModelQueryServer s = start(fake);
        // features: x 1.5, flag 1 (true), c=FR 1 (text), n missing (null); the fake scores their sum plus the time
        HttpResponse<String> r = post(s, "/score", "{\"user\":{\"id\":\"k\"},\"at\":100,\"x\":1.5,\"flag\":true,\"c\":\"FR\",\"n\":null}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("k", json(r).get("key").asText());
        assertEquals(103.5, json(r).get("predictions").get(0).get("mean").asDouble(), 0.0);
        HttpResponse<String> unmapped = post(s, "/score", "{\"at\":100,\"x\":1.5}");
        assertJsonError(unmapped, 400);
        assertTrue(json(unmapped).get("error").asText().startsWith("unmapped-key: user.id: "), unmapped.body());

        fake.mapping = FieldMapping.of(Map.of("streamlearn.input.key", "record-key", "streamlearn.input.timestamp",
                "record-timestamp", "streamlearn.input.features", "*"), FieldMapping.INPUT_PREFIX);
        HttpResponse<String> keyed = post(s, "/score?key=k&time=10", "{\"x\":2}");
        assertEquals(200, keyed.statusCode(), keyed.body());
        assertEquals(12.0, json(keyed).get("predictions").get(0).get("mean").asDouble(), 0.0);
        HttpResponse<String> latest = post(s, "/score?key=k", "{\"x\":2}");
        assertEquals(2.0, json(latest).get("predictions").get(0).get("mean").asDouble(), 0.0, "no time: the key's latest");
        assertJsonError(post(s, "/score", "{\"x\":2}"), 400);
    }

    @Test
    void shouldRejectMalformedRequestsWithJsonErrors() throws Exception {
        ModelQueryServer s = start(new Fake("a", "k"));
        // Not a URI at all: the JDK server refuses it before routing (plain-text 400, no trace).
        String raw = rawGet(s, "/models/%zz");
        assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
        assertFalse(raw.contains("\tat "), raw);
        assertJsonError(get(s, "/models/%ff%fe"), 400);       // not UTF-8
        assertJsonError(get(s, "/models/a%00b"), 400);        // U+0000 separates store keys
        assertJsonError(get(s, "/models/"), 400);
        assertJsonError(get(s, "/nothing"), 404);
        assertJsonError(get(s, "/models/a/b"), 404);
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/models/k"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertJsonError(wrong, 405);
        assertEquals("GET", wrong.headers().firstValue("Allow").orElse(""));
        assertJsonError(get(s, "/score"), 405);
        assertJsonError(post(s, "/score", "{not json"), 400);
        assertJsonError(post(s, "/score", "[1,2]"), 400);
        assertJsonError(post(s, "/score", ""), 400);
        assertJsonError(post(s, "/score", "{\"key\":\"k\",\"features\":{\"x\":\"high\"}}"), 400);
        assertJsonError(post(s, "/score", "{\"key\":\"k\",\"features\":{\"x\":1},\"extra\":1}"), 400);
        assertJsonError(post(s, "/score", "{\"key\":7,\"features\":{}}"), 400);
        assertJsonError(post(s, "/score", "{\"key\":\"k\",\"key\":\"j\",\"features\":{}}"), 400);
        assertJsonError(post(s, "/score", "{\"key\":\"k\",\"features\":{},\"time\":1.5}"), 400);
        assertJsonError(post(s, "/score", "{\"key\":\"k\",\"features\":{\"x\":1e400}}"), 400); // infinite
        String big = "{\"key\":\"k\",\"features\":{\"x\":1},\"pad\":\"" + "p".repeat(ModelQueryServer.MAX_BODY_BYTES) + "\"}";
        assertJsonError(post(s, "/score", big), 413);
    }

    @Test
    void shouldHideInternalFailuresAndAskToRetryDuringRebalances() throws Exception {
        ModelQueryServer s = start(new Fake("a", "k"));
        HttpResponse<String> boom = get(s, "/models/boom");
        assertJsonError(boom, 500);
        assertFalse(boom.body().contains("secret"), boom.body());
        HttpResponse<String> moving = get(s, "/models/moving");
        assertJsonError(moving, 503);
        assertEquals("1", moving.headers().firstValue("Retry-After").orElse(""));
        // The server still serves after failures.
        assertEquals(200, get(s, "/models/k").statusCode());
    }

    @Test
    void shouldReportHealthFromTheStreamsState() throws Exception {
        Fake fake = new Fake("a");
        ModelQueryServer s = start(fake);
        HttpResponse<String> up = get(s, "/health");
        assertEquals(200, up.statusCode());
        assertEquals("RUNNING", json(up).get("state").asText());
        fake.state = "REBALANCING";
        assertEquals(200, get(s, "/health").statusCode());
        fake.state = "ERROR";
        HttpResponse<String> down = get(s, "/health");
        assertEquals(503, down.statusCode());
        assertEquals("ERROR", json(down).get("state").asText());
    }

    @Test
    void shouldBeReadyOnlyWhenServingWithNothingToRestore() throws Exception {
        Fake fake = new Fake("a");
        ModelQueryServer s = start(fake, ModelQueryServer.Options.local(0).withToken("t"));
        fake.state = "REBALANCING";
        fake.started = false;   // starting: no task assigned yet, so nothing restoring yet either
        HttpResponse<String> starting = get(s, "/ready");
        assertEquals(503, starting.statusCode(), starting.body());
        assertFalse(json(starting).get("started").asBoolean());
        assertEquals(200, get(s, "/health").statusCode(), "alive while starting");
        fake.state = "RUNNING";
        fake.started = true;
        assertEquals(200, get(s, "/ready").statusCode(), "no token needed");
        assertTrue(json(get(s, "/ready")).get("ready").asBoolean());
        fake.restoring = 3;   // took over partitions, catching up with their changelogs
        HttpResponse<String> restoring = get(s, "/ready");
        assertEquals(503, restoring.statusCode());
        assertEquals(3, json(restoring).get("restoringPartitions").asInt());
        assertEquals(200, get(s, "/health").statusCode(), "alive while restoring");
        assertEquals(3, json(get(s, "/health")).get("restoringPartitions").asInt());
        fake.restoring = 0;
        fake.state = "REBALANCING";
        assertEquals(200, get(s, "/ready").statusCode(), "a rebalance with nothing to restore keeps it ready");
        fake.state = "PENDING_ERROR";
        assertEquals(503, get(s, "/ready").statusCode());
        assertEquals(405, post(s, "/ready", "{}").statusCode());
    }

    @Test
    void shouldServePrometheusTextFromTheRegistry() throws Exception {
        try (StreamlearnMetrics metrics = new StreamlearnMetrics()) {
            metrics.registry().counter("streamlearn.test.events").increment(3);
            ModelQueryServer s = ModelQueryServer.start(new Fake("a"), metrics::scrape, ModelQueryServer.Options.local(0));
            servers.add(s);
            HttpResponse<String> r = get(s, "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            assertTrue(r.body().contains("streamlearn_test_events_total 3.0"), r.body());
            assertTrue(r.body().contains("jvm_memory_used_bytes"), "JVM meters are bound");
        }
    }

    @Test
    void shouldAnswerForKeysOwnedByAnotherInstanceThroughIt() throws Exception {
        Fake a = new Fake("a", "a-1", "a-2");
        Fake b = new Fake("b", "b-1", "b-22");
        ModelQueryServer sa = start(a);
        ModelQueryServer sb = start(b);
        a.router = k -> k.startsWith("b-") ? ModelQueries.Route.remote("127.0.0.1", sb.port()) : ModelQueries.Route.local();
        b.router = k -> k.startsWith("a-") ? ModelQueries.Route.remote("127.0.0.1", sa.port()) : ModelQueries.Route.local();
        a.peers = List.of(b.self);
        b.peers = List.of(a.self);

        for (ModelQueryServer s : List.of(sa, sb)) {
            JsonNode viaAny = json(get(s, "/models/b-22"));
            assertEquals(b.self, viaAny.get("instance").asText());
            assertEquals(4, viaAny.get("models").get(0).get("version").asLong());
            assertEquals(a.self, json(get(s, "/models/a-1")).get("instance").asText());
            JsonNode scored = json(post(s, "/score", "{\"key\":\"b-1\",\"features\":{\"x\":2}}"));
            assertEquals(b.self, scored.get("instance").asText());
            assertEquals(7, scored.get("predictions").get(0).get("version").asLong());
            // Listing gathers every instance's keys.
            JsonNode list = json(get(s, "/models?limit=10"));
            assertEquals(List.of("a-1", "a-2", "b-1", "b-22"), JSON.convertValue(list.get("keys"), List.class));
            assertEquals(2, list.get("instances").asInt());
        }
        assertEquals(List.of("a-1"), JSON.convertValue(json(get(sa, "/models?limit=1")).get("keys"), List.class));
        // An unknown key owned elsewhere is a 404 from the owner.
        assertJsonError(get(sa, "/models/b-404"), 404);
    }

    @Test
    void shouldForwardBothWaysAtOnceWithOneRequestThreadEach() throws Exception {
        // With blocking forwarding, each server's only thread would wait for the other's: a deadlock
        // until the forwarding timeout, answered 502.
        ModelQueryServer.Options oneThread = new ModelQueryServer.Options("127.0.0.1", 0, null, java.time.Duration.ofSeconds(5), 1);
        Fake a = new Fake("a", "a-1");
        Fake b = new Fake("b", "b-1");
        ModelQueryServer sa = start(a, oneThread);
        ModelQueryServer sb = start(b, oneThread);
        a.router = k -> k.startsWith("b-") ? ModelQueries.Route.remote("127.0.0.1", sb.port()) : ModelQueries.Route.local();
        b.router = k -> k.startsWith("a-") ? ModelQueries.Route.remote("127.0.0.1", sa.port()) : ModelQueries.Route.local();
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sa.port() + "/models/b-1")).build(),
                    HttpResponse.BodyHandlers.ofString()));
            answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sb.port() + "/models/a-1")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (java.util.concurrent.CompletableFuture<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
        }
        assertEquals(20, a.modelCalls.get());
        assertEquals(20, b.modelCalls.get());
    }

    @Test
    void shouldNotForwardAForwardedRequestAgain() throws Exception {
        Fake a = new Fake("a", "k");
        ModelQueryServer sa = start(a);
        a.router = k -> ModelQueries.Route.remote("127.0.0.1", 1); // metadata says elsewhere
        HttpResponse<String> r = get(sa, "/models/k", ModelQueryServer.FORWARDED_HEADER, "127.0.0.1:2");
        assertJsonError(r, 503);
        assertEquals(0, a.modelCalls.get());
        // Not forwarded, the owner on port 1 does not answer: 502.
        assertJsonError(get(sa, "/models/k"), 502);
        a.router = k -> ModelQueries.Route.unavailable("rebalancing");
        assertJsonError(get(sa, "/models/k"), 503);
    }

    @Test
    void shouldRequireATokenOffLoopbackAndCheckIt() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelQueryServer.start(new Fake("a"), () -> "", ModelQueryServer.Options.local(0).withBind("0.0.0.0")));
        assertTrue(e.getMessage().contains("token"));

        Fake a = new Fake("a", "a-1");
        Fake b = new Fake("b", "b-1");
        ModelQueryServer sa = start(a, ModelQueryServer.Options.local(0).withToken("s3cret"));
        ModelQueryServer sb = start(b, ModelQueryServer.Options.local(0).withToken("s3cret"));
        a.router = k -> k.startsWith("b-") ? ModelQueries.Route.remote("127.0.0.1", sb.port()) : ModelQueries.Route.local();
        assertJsonError(get(sa, "/models/a-1"), 401);
        assertJsonError(get(sa, "/models/a-1", "Authorization", "Bearer wrong"), 401);
        assertJsonError(get(sa, "/metrics"), 401);
        assertEquals(200, get(sa, "/models/a-1", "Authorization", "Bearer s3cret").statusCode());
        assertEquals(200, get(sa, "/health").statusCode(), "health needs no token");
        // The token travels with a forwarded request.
        HttpResponse<String> forwarded = get(sa, "/models/b-1", "Authorization", "Bearer s3cret");
        assertEquals(200, forwarded.statusCode(), forwarded.body());
        assertEquals(b.self, json(forwarded).get("instance").asText());
        // Off loopback with a token it starts.
        ModelQueryServer any = start(new Fake("c"), ModelQueryServer.Options.local(0).withBind("0.0.0.0").withToken("t"));
        assertTrue(any.address().getAddress().isAnyLocalAddress());
    }

    @Test
    void shouldRejectEveryOtherKindOfMalformedRequestWithAMessage() throws Exception {
        ModelQueryServer s = start(new Fake("a", "k"));
        assertJsonError(get(s, "/models/" + "k".repeat(ModelQueryServer.MAX_KEY_LENGTH + 1)), 400);  // key too long
        assertEquals(404, get(s, "/models/" + "k".repeat(ModelQueryServer.MAX_KEY_LENGTH)).statusCode()); // longest valid
        // Escapes cut short or not hex: not a URI, refused by the JDK server before routing (plain 400).
        for (String bad : List.of("/models/ab%4", "/models/ab%", "/models?prefix=%zz")) {
            String answer = rawGet(s, bad);
            assertTrue(answer.startsWith("HTTP/1.1 400"), bad + ": " + answer);
            assertFalse(answer.contains("\tat "), answer);
        }
        assertJsonError(get(s, "/"), 404);                    // unknown routes
        assertJsonError(get(s, "/models-x"), 404);
        assertJsonError(get(s, "/score/extra"), 404);
        assertJsonError(post(s, "/models/k", "{}"), 405);     // wrong methods
        assertJsonError(post(s, "/models", "{}"), 405);
        assertJsonError(post(s, "/health", "{}"), 405);
        assertJsonError(post(s, "/metrics", "{}"), 405);
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/score"))
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertJsonError(put, 405);
        assertEquals("POST", put.headers().firstValue("Allow").orElse(""));
        assertJsonError(post(s, "/score", "{\"key\":\"\",\"features\":{}}"), 400);   // empty key in JSON
        assertJsonError(post(s, "/score", "{\"key\":\"k\"}"), 400);                 // no features
        assertJsonError(post(s, "/score", "{\"key\":\"k\",\"features\":{\"x\":1}"), 400); // truncated JSON
        // A declared body far over the limit is refused from its Content-Length, before it is read.
        String huge = raw(s, "POST /score HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 50000000\r\n\r\n{\"key\":");
        assertTrue(huge.startsWith("HTTP/1.1 413"), huge);
        assertTrue(huge.contains("\"error\":\"request body larger than"), huge);
        assertFalse(huge.contains("\tat "), huge);
        // The server still answers afterwards.
        assertEquals(200, get(s, "/models/k").statusCode());
    }

    @Test
    void shouldForgetAKeyWithTheTokenAndSayWhereTheAcknowledgementWillAppear() throws Exception {
        FakeForget forget = new FakeForget();
        ModelQueryServer s = startWithForget(new Fake("a", "device 1/x"), forget, ModelQueryServer.Options.local(0).withToken("s3cret"));
        assertJsonError(delete(s, "/models/device%201%2Fx"), 401);
        assertJsonError(delete(s, "/models/device%201%2Fx", "Authorization", "Bearer wrong"), 401);
        assertTrue(forget.keys.isEmpty(), "nothing sent without the token");

        HttpResponse<String> r = delete(s, "/models/device%201%2Fx", "Authorization", "Bearer s3cret");
        assertEquals(202, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertEquals("device 1/x", body.get("key").asText());
        assertEquals("accepted", body.get("status").asText());
        assertEquals("model-control", body.get("request").get("topic").asText());
        assertEquals(41, body.get("request").get("offset").asLong());
        assertEquals("forget-acks", body.get("acknowledgement").get("topic").asText());
        assertEquals("device 1/x", body.get("acknowledgement").get("key").asText());
        assertEquals(List.of("device 1/x"), forget.keys);

        // Bad keys never reach Kafka.
        String[] auth = {"Authorization", "Bearer s3cret"};
        assertJsonError(delete(s, "/models/", auth), 400);
        assertJsonError(delete(s, "/models/a%00b", auth), 400);
        assertJsonError(delete(s, "/models/%ff", auth), 400);
        String cut = raw(s, "DELETE /models/a%4 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer s3cret\r\nConnection: close\r\n\r\n");
        assertTrue(cut.startsWith("HTTP/1.1 400"), cut);
        assertJsonError(delete(s, "/models/" + "k".repeat(ModelQueryServer.MAX_KEY_LENGTH + 1), auth), 400);
        assertJsonError(delete(s, "/models/a/b", auth), 404);
        assertJsonError(delete(s, "/models", auth), 405);
        assertEquals(1, forget.keys.size(), "only the valid request was sent: " + forget.keys);
        HttpResponse<String> wrong = post(s, "/models/k", "{}", auth);
        assertJsonError(wrong, 405);
        assertEquals("GET, DELETE", wrong.headers().firstValue("Allow").orElse(""));
        assertEquals(200, get(s, "/models/device%201%2Fx", auth).statusCode(), "reads still work");
    }

    @Test
    void shouldRefuseToForgetWithoutAConfiguredTokenEvenOnLoopback() throws Exception {
        FakeForget forget = new FakeForget();
        ModelQueryServer s = startWithForget(new Fake("a", "k"), forget, ModelQueryServer.Options.local(0));
        HttpResponse<String> r = delete(s, "/models/k");
        assertJsonError(r, 403);
        assertTrue(r.body().contains("token"), r.body());
        assertTrue(forget.keys.isEmpty());
        assertEquals(200, get(s, "/models/k").statusCode(), "reads need no token on loopback");
    }

    @Test
    void shouldAnswer503WhenKafkaDoesNotTakeTheForgetRequest() throws Exception {
        FakeForget forget = new FakeForget();
        forget.outcome = () -> java.util.concurrent.CompletableFuture.failedFuture(
                new org.apache.kafka.common.errors.TimeoutException("Topic model-control not present in metadata after 5000 ms."));
        ModelQueryServer s = startWithForget(new Fake("a", "k"), forget, ModelQueryServer.Options.local(0).withToken("t"));
        HttpResponse<String> r = delete(s, "/models/k", "Authorization", "Bearer t");
        assertJsonError(r, 503);
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
        assertTrue(r.body().contains("not present in metadata"), r.body());
        // Not yet answered: the request thread is free meanwhile and the answer comes when Kafka does.
        java.util.concurrent.CompletableFuture<ForgetRequests.Receipt> later = new java.util.concurrent.CompletableFuture<>();
        forget.outcome = () -> later;
        java.util.concurrent.CompletableFuture<HttpResponse<String>> pending = http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/models/k")).DELETE()
                        .header("Authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, get(s, "/models/k", "Authorization", "Bearer t").statusCode());
        later.complete(new ForgetRequests.Receipt("k", "model-control", 0, 7, "forget-acks"));
        assertEquals(202, pending.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode());
        // No forget producer here (e.g. no control topic): 405.
        forget.outcome = () -> {
            throw new UnsupportedOperationException("this instance has no model-control topic");
        };
        assertJsonError(delete(s, "/models/k", "Authorization", "Bearer t"), 405);
    }
}
