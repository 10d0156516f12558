package io.streamlearn.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamlearn.schemas.wire.MalformedRecordException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client of the Schema Registry REST API, the subset that Confluent documents and that Confluent,
 * Apicurio ({@code /apis/ccompat/v7}), Karapace and Redpanda all serve:
 * <ul>
 *   <li>{@code GET /schemas/ids/{id}}: a writer schema by its global id ({@link #schema(int)});</li>
 *   <li>{@code POST /subjects/{subject}/versions}: register a schema under a subject, or get the id of the
 *       identical schema already there ({@link #register(String, Schema)}).</li>
 * </ul>
 * Built on the JDK's {@link HttpClient} and Jackson, nothing else: HTTP/1.1, basic authentication from
 * {@code basic.auth.user.info}, TLS through the JVM's default trust store. Why not Apicurio's serdes: they
 * speak Apicurio's own API and framing by default, pull in their own REST client stack, and read records
 * into their own types; Confluent's client jars are not on Maven Central. Two calls over the documented
 * API are less code than the adapter to either.
 *
 * <h2>Caching</h2>
 * Schemas by id and ids by (subject, schema) are cached for the life of the client (an id never changes
 * meaning). An id the registry does not know is remembered for {@link #UNKNOWN_ID_TTL} so that a topic full
 * of records with a bad id costs one request per id, not one per record.
 *
 * <h2>Outages</h2>
 * Every URL is tried in turn (the one that answered last first). When none answers (connection refused or
 * timed out, HTTP 5xx, 408, 429, 401, 403), the request waits {@link RegistryConfig#initialBackoff()},
 * doubling up to {@link RegistryConfig#maxBackoff()}, logging each wait at WARN, and gives up with
 * {@link RegistryUnavailableException} once the next wait would pass {@link RegistryConfig#maxWait()}.
 * A 404 with {@code error_code} 40403 (or any 404 for an id) is an unknown schema: a
 * {@link MalformedRecordException} with reason {@code unknown-schema}, the only answer that condemns a record.
 *
 * <p>Thread-safe; a cached lookup is one hash-map read and allocates nothing.
 *
 * <pre>{@code
 * SchemaRegistryClient registry = new SchemaRegistryClient(RegistryConfig.of("http://localhost:8081"));
 * int id = registry.register("predictions-value", Prediction.getClassSchema());
 * RegisteredSchema s = registry.schema(id);          // cached, s.avro() equals the schema
 * }</pre>
 */
public final class SchemaRegistryClient implements AutoCloseable {

    /** How long an id the registry answered 404 for is remembered as unknown. */
    public static final Duration UNKNOWN_ID_TTL = Duration.ofSeconds(30);
    /**
     * How many unknown ids are remembered at most: records with random bytes after a zero byte name any of four
     * billion ids, and the memory of them must not grow with a flood of such records. Past the limit the
     * expired ids are forgotten, and all of them when none had expired.
     */
    public static final int MAX_UNKNOWN_IDS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = "application/vnd.schemaregistry.v1+json, application/json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryConfig config;
    private final HttpClient http;
    private final String authorization;
    private final Map<Integer, RegisteredSchema> byId = new ConcurrentHashMap<>();
    private final Map<Integer, Long> unknownUntil = new ConcurrentHashMap<>();
    private final Map<String, Integer> registered = new ConcurrentHashMap<>();
    private volatile int preferred;
    private final int maxUnknownIds;

    /**
     * @param config where the registry is; not null
     */
    public SchemaRegistryClient(RegistryConfig config) {
        this(config, MAX_UNKNOWN_IDS);
    }

    /** With another bound than {@link #MAX_UNKNOWN_IDS} (tests). */
    SchemaRegistryClient(RegistryConfig config, int maxUnknownIds) {
        this.maxUnknownIds = maxUnknownIds;
        this.config = config;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.requestTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.authorization = config.userInfo() == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(config.userInfo().getBytes(StandardCharsets.UTF_8));
    }

    /** @return the settings this client was built with */
    public RegistryConfig config() {
        return config;
    }

    /**
     * The schema with a global id, from the cache or the registry.
     *
     * @param id the id from a record's header
     * @return the schema; never null
     * @throws MalformedRecordException with reason {@code unknown-schema} when the registry does not know the
     *                                  id, or when its schema does not parse
     * @throws RegistryUnavailableException when no URL answered within the retry budget
     */
    public RegisteredSchema schema(int id) throws MalformedRecordException {
        RegisteredSchema s = byId.get(id);
        if (s != null) {
            return s;
        }
        Long until = unknownUntil.get(id);
        if (until != null && System.nanoTime() - until < 0) {
            throw unknown(id, "(remembered)");
        }
        Answer a = call("GET", "/schemas/ids/" + id, null);
        if (a.status == 404) {
            long now = System.nanoTime();
            if (unknownUntil.size() >= maxUnknownIds) {
                unknownUntil.values().removeIf(expiry -> now - expiry >= 0);
                if (unknownUntil.size() >= maxUnknownIds) {
                    unknownUntil.clear();
                }
            }
            unknownUntil.put(id, now + UNKNOWN_ID_TTL.toNanos());
            throw unknown(id, a.errorCode());
        }
        JsonNode body = a.json();
        String text = body.path("schema").asText(null);
        if (text == null) {
            throw new RegistryException("GET /schemas/ids/" + id + " answered without a 'schema': " + a.body, null);
        }
        String type = body.path("schemaType").asText(RegisteredSchema.AVRO);
        if (body.path("references").size() > 0) {
            throw new MalformedRecordException(MalformedRecordException.UNKNOWN_SCHEMA,
                    "schema id " + id + " has schema references, which Streamlearn does not resolve");
        }
        Schema avro = null;
        GenericDatumReader<Object> reader = null;
        if (type.equals(RegisteredSchema.AVRO)) {
            try {
                avro = new Schema.Parser().parse(text);
            } catch (SchemaParseException e) {
                throw new MalformedRecordException(MalformedRecordException.UNKNOWN_SCHEMA,
                        "schema id " + id + " is not a valid Avro schema: " + e.getMessage());
            }
            reader = new GenericDatumReader<>(avro);
            stringsAsJavaStrings(avro);
        }
        s = new RegisteredSchema(id, type, text, avro, reader, avro == null ? 0 : SchemaNormalization.parsingFingerprint64(avro));
        RegisteredSchema raced = byId.putIfAbsent(id, s);
        return raced != null ? raced : s;
    }

    /** How many ids are remembered as unknown now (at most {@link #MAX_UNKNOWN_IDS}, or the test's bound). */
    public int unknownIdsRemembered() {
        return unknownUntil.size();
    }

    /**
     * Registers an Avro schema under a subject, or finds the identical one already registered, and returns
     * its global id (the registry's answer to {@code POST /subjects/{subject}/versions}). Cached.
     *
     * @param subject e.g. {@code predictions-value} (Kafka's TopicNameStrategy: topic + {@code -value})
     * @param schema  the schema; not null
     * @return the global id
     * @throws RegistryException when the registry refuses the schema (409 incompatible, 422 invalid)
     * @throws RegistryUnavailableException when no URL answered within the retry budget
     */
    public int register(String subject, Schema schema) {
        String text = schema.toString();
        String cacheKey = subject + '\u0000' + text;
        Integer id = registered.get(cacheKey);
        if (id != null) {
            return id;
        }
        ObjectNode req = JSON.createObjectNode().put("schema", text);
        Answer a = call("POST", "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20")
                + "/versions", req.toString());
        if (a.status != 200) {
            throw new RegistryException("the registry refused the schema " + schema.getFullName() + " under subject '"
                    + subject + "': HTTP " + a.status + " " + a.body, null);
        }
        JsonNode idNode = a.json().get("id");
        if (idNode == null || !idNode.canConvertToInt()) {
            throw new RegistryException("POST /subjects/" + subject + "/versions answered without an 'id': " + a.body, null);
        }
        id = idNode.intValue();
        registered.put(cacheKey, id);
        // Cache the schema as any reader parses the registered text (a Schema built in code may carry a
        // "logicalType" property without the LogicalType object that parsing attaches).
        Schema parsed = new Schema.Parser().parse(text);
        stringsAsJavaStrings(parsed);
        byId.putIfAbsent(id, new RegisteredSchema(id, RegisteredSchema.AVRO, text, parsed, new GenericDatumReader<>(parsed),
                SchemaNormalization.parsingFingerprint64(parsed)));
        return id;
    }

    /**
     * Marks the string and map types of a reader's schema so that Avro reads {@code java.lang.String} rather than
     * {@code Utf8}: the field mapping wants strings (feature names, keys, text values), and converting each
     * {@code Utf8} afterwards costs a second copy. Only the in-memory schema changes, not what it reads.
     */
    private static void stringsAsJavaStrings(Schema schema) {
        // (GenericData.setStringType marks only the schema it is given in Avro 1.12, not the nested types.)
        markStrings(schema, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    }

    private static void markStrings(Schema s, java.util.Set<Schema> seen) {
        if (!seen.add(s)) {
            return;
        }
        switch (s.getType()) {
            case STRING, MAP -> {
                if (s.getProp(GenericData.STRING_PROP) == null) {
                    s.addProp(GenericData.STRING_PROP, GenericData.StringType.String.name());
                }
                if (s.getType() == Schema.Type.MAP) {
                    markStrings(s.getValueType(), seen);
                }
            }
            case RECORD -> s.getFields().forEach(f -> markStrings(f.schema(), seen));
            case ARRAY -> markStrings(s.getElementType(), seen);
            case UNION -> s.getTypes().forEach(t -> markStrings(t, seen));
            default -> {
            }
        }
    }

    @Override
    public void close() {
        // HttpClient has no close() before Java 21; its threads end with it.
    }

    private static MalformedRecordException unknown(int id, String detail) {
        return new MalformedRecordException(MalformedRecordException.UNKNOWN_SCHEMA,
                "schema id " + id + " is not in the schema registry " + detail);
    }

    /** One answer that is not an outage: 2xx, 404, or another 4xx (400, 409, 422). */
    private record Answer(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new RegistryException("the schema registry answered HTTP " + status + " with a body that is not JSON: "
                        + abbreviate(body), e);
            }
        }

        String errorCode() {
            try {
                JsonNode n = JSON.readTree(body);
                return "(HTTP 404, error_code " + n.path("error_code").asText("?") + ": " + n.path("message").asText("") + ")";
            } catch (IOException | RuntimeException e) {
                return "(HTTP 404)";
            }
        }
    }

    /**
     * One request, retried over the URLs and with backoff until an answer that is not an outage.
     */
    private Answer call(String method, String path, String body) {
        long start = System.nanoTime();
        long backoff = config.initialBackoff().toNanos();
        long maxWait = config.maxWait().toNanos();
        int attempt = 0;
        String lastFailure = null;
        Exception lastCause = null;
        while (true) {
            attempt++;
            int n = config.urls().size();
            int first = preferred;
            for (int i = 0; i < n; i++) {
                int index = (first + i) % n;
                URI url = URI.create(config.urls().get(index) + path);
                HttpRequest.Builder b = HttpRequest.newBuilder(url)
                        .timeout(config.requestTimeout())
                        .header("Accept", ACCEPT);
                if (authorization != null) {
                    b.header("Authorization", authorization);
                }
                if (body == null) {
                    b.GET();
                } else {
                    b.header("Content-Type", CONTENT_TYPE).POST(HttpRequest.BodyPublishers.ofString(body));
                }
                try {
                    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    int status = r.statusCode();
                    if (status / 100 == 2 || status == 404 || status / 100 == 4 && !isOutage(status)) {
                        preferred = index;
                        if (attempt > 1) {
                            LOG.info("Schema registry {} answered {} {} after {} attempts", config.urls().get(index), method, path, attempt);
                        }
                        return new Answer(status, r.body());
                    }
                    lastFailure = config.urls().get(index) + " answered HTTP " + status
                            + (status == 401 || status == 403 ? " (check basic.auth.user.info)" : "") + ": " + abbreviate(r.body());
                    lastCause = null;
                } catch (IOException e) {
                    lastFailure = config.urls().get(index) + ": " + e;
                    lastCause = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RegistryUnavailableException("interrupted while asking the schema registry for " + path, e);
                }
            }
            long waited = System.nanoTime() - start;
            if (waited + backoff > maxWait) {
                throw new RegistryUnavailableException("no schema registry URL answered " + method + " " + path + " in "
                        + Duration.ofNanos(waited).toMillis() + " ms (" + attempt + " attempts); last: " + lastFailure, lastCause);
            }
            LOG.warn("Schema registry unavailable for {} {} (attempt {}): {}; retrying in {} ms", method, path, attempt,
                    lastFailure, Duration.ofNanos(backoff).toMillis());
            try {
                Thread.sleep(Duration.ofNanos(backoff).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryUnavailableException("interrupted while waiting for the schema registry (" + path + ")", e);
            }
            backoff = Math.min(backoff * 2, config.maxBackoff().toNanos());
        }
    }

    /** Answers that mean "not now" rather than "no": server errors, timeouts, throttling, credentials. */
    private static boolean isOutage(int status) {
        return status >= 500 || status == 408 || status == 429 || status == 401 || status == 403;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
