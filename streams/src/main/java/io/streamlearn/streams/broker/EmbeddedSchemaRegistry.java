package io.streamlearn.streams.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * An in-memory Schema Registry in this JVM for local trials and tests, speaking the part of the Confluent
 * Schema Registry REST API that serializers and Streamlearn use, with its documented answers and error codes:
 * <ul>
 *   <li>{@code GET /schemas/ids/{id}}: {@code {"schema": ..., "schemaType": ...}} ({@code schemaType} omitted
 *       for Avro), or 404 {@code {"error_code": 40403}};</li>
 *   <li>{@code POST /subjects/{subject}/versions} with {@code {"schema": ..., "schemaType": ...}}: registers a
 *       new version, or returns the id of the same schema already there: {@code {"id": N}}; 422 with
 *       {@code error_code} 42201 for an Avro schema that does not parse;</li>
 *   <li>{@code GET /subjects}, {@code GET /subjects/{subject}/versions},
 *       {@code GET /subjects/{subject}/versions/{version|latest}} (404 with 40401 or 40402).</li>
 * </ul>
 * Ids are global and start at 1; identical schemas (Avro compared in parsed form) share an id across
 * subjects. No compatibility checks, no deletes, no persistence, no security: not for production. A real
 * registry (Confluent's, Apicurio's {@code /apis/ccompat/v7}, Karapace, Redpanda) answers the same calls.
 *
 * <p>{@link #stop()} and {@link #start()} close and reopen the listener on the same port with the same
 * schemas, to play an outage. Thread-safe.
 *
 * <pre>{@code
 * try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(0)) {
 *     String url = registry.url();          // "http://127.0.0.1:PORT", for schema.registry.url
 * }
 * }</pre>
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One registered schema: its type, text and canonical form (for identity). */
    private record Entry(String type, String text, String canonical) {
    }

    private final List<Entry> byId = new ArrayList<>(); // id - 1
    private final Map<String, List<Integer>> subjects = new LinkedHashMap<>(); // subject -> ids by version - 1
    private int port;
    private HttpServer server;

    private EmbeddedSchemaRegistry(int port) {
        this.port = port;
    }

    /**
     * Starts a registry on {@code 127.0.0.1}.
     *
     * @param port the port, or 0 for a free one
     * @return the running registry
     * @throws UncheckedIOException if the port is taken
     */
    public static EmbeddedSchemaRegistry start(int port) {
        EmbeddedSchemaRegistry r = new EmbeddedSchemaRegistry(port);
        r.start();
        return r;
    }

    /** (Re)opens the listener on the same port, keeping the schemas. Idempotent. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
            s.createContext("/", this::handle);
            s.setExecutor(Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "schema-registry-http");
                t.setDaemon(true);
                return t;
            }));
            s.start();
            server = s;
            port = s.getAddress().getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    /** Closes the listener (connections are refused) and keeps the schemas. Idempotent. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
            server = null;
        }
    }

    /** @return {@code http://127.0.0.1:PORT} */
    public synchronized String url() {
        return "http://127.0.0.1:" + port;
    }

    /** @return the subjects registered so far, in order */
    public synchronized List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    @Override
    public void close() {
        stop();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            route(x);
        }
    }

    private void route(HttpExchange x) throws IOException {
        try {
            String method = x.getRequestMethod();
            String[] parts = x.getRequestURI().getRawPath().replaceAll("^/+|/+$", "").split("/");
            byte[] body = x.getRequestBody().readAllBytes();
            synchronized (this) {
                if (method.equals("GET") && parts.length == 3 && parts[0].equals("schemas") && parts[1].equals("ids")) {
                    schemaById(x, parts[2]);
                } else if (method.equals("GET") && parts.length == 1 && parts[0].equals("subjects")) {
                    ArrayNode a = JSON.createArrayNode();
                    subjects.keySet().forEach(a::add);
                    send(x, 200, a);
                } else if (parts.length == 3 && parts[0].equals("subjects") && parts[2].equals("versions")) {
                    String subject = URLDecoder.decode(parts[1], StandardCharsets.UTF_8);
                    if (method.equals("POST")) {
                        register(x, subject, body);
                    } else {
                        List<Integer> ids = subjects.get(subject);
                        if (ids == null) {
                            error(x, 404, 40401, "Subject '" + subject + "' not found.");
                        } else {
                            ArrayNode a = JSON.createArrayNode();
                            for (int v = 1; v <= ids.size(); v++) {
                                a.add(v);
                            }
                            send(x, 200, a);
                        }
                    }
                } else if (method.equals("GET") && parts.length == 4 && parts[0].equals("subjects") && parts[2].equals("versions")) {
                    version(x, URLDecoder.decode(parts[1], StandardCharsets.UTF_8), parts[3]);
                } else {
                    error(x, 404, 404, "HTTP 404 Not Found");
                }
            }
        } catch (RuntimeException e) {
            error(x, 500, 50001, e.toString());
        }
    }

    private void schemaById(HttpExchange x, String idText) throws IOException {
        int id;
        try {
            id = Integer.parseInt(idText);
        } catch (NumberFormatException e) {
            error(x, 404, 40403, "Schema " + idText + " not found");
            return;
        }
        if (id < 1 || id > byId.size()) {
            error(x, 404, 40403, "Schema " + id + " not found");
            return;
        }
        Entry e = byId.get(id - 1);
        ObjectNode o = JSON.createObjectNode().put("schema", e.text);
        if (!e.type.equals("AVRO")) {
            o.put("schemaType", e.type);
        }
        send(x, 200, o);
    }

    private void register(HttpExchange x, String subject, byte[] body) throws IOException {
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            error(x, 400, 400, "body is not JSON");
            return;
        }
        String type = req.path("schemaType").asText("AVRO");
        String text = req.path("schema").asText(null);
        if (text == null) {
            error(x, 422, 42201, "Empty schema");
            return;
        }
        String canonical = text;
        if (type.equals("AVRO")) {
            try {
                canonical = new Schema.Parser().parse(text).toString();
            } catch (SchemaParseException e) {
                error(x, 422, 42201, "Invalid schema: " + e.getMessage());
                return;
            }
        }
        int id = 0;
        for (int i = 0; i < byId.size(); i++) {
            Entry e = byId.get(i);
            if (e.type.equals(type) && e.canonical.equals(canonical)) {
                id = i + 1;
                break;
            }
        }
        if (id == 0) {
            byId.add(new Entry(type, text, canonical));
            id = byId.size();
        }
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        send(x, 200, JSON.createObjectNode().put("id", id));
    }

    private void version(HttpExchange x, String subject, String version) throws IOException {
        List<Integer> ids = subjects.get(subject);
        if (ids == null) {
            error(x, 404, 40401, "Subject '" + subject + "' not found.");
            return;
        }
        int v;
        try {
            v = version.equals("latest") ? ids.size() : Integer.parseInt(version);
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v < 1 || v > ids.size()) {
            error(x, 404, 40402, "Version " + version + " not found.");
            return;
        }
        int id = ids.get(v - 1);
        Entry e = byId.get(id - 1);
        ObjectNode o = JSON.createObjectNode().put("subject", subject).put("version", v).put("id", id).put("schema", e.text);
        if (!e.type.equals("AVRO")) {
            o.put("schemaType", e.type);
        }
        send(x, 200, o);
    }

    private static void error(HttpExchange x, int status, int code, String message) throws IOException {
        send(x, status, JSON.createObjectNode().put("error_code", code).put("message", message));
    }

    private static void send(HttpExchange x, int status, JsonNode body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        x.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }
}
