package io.streamlearn.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry inside the test that speaks the documented REST subset the client uses
 * ({@code GET /schemas/ids/{id}}, {@code POST /subjects/{subject}/versions}) with the documented error bodies
 * ({@code {"error_code": 40403, "message": "Schema not found"}}), plus failure injection: the next N requests
 * answer a status, or basic authentication is required. Not a real registry: Apicurio Registry's application
 * cannot be resolved from the Maven registry reachable here (see streams' RegistryIT for what was tried).
 */
final class RegistryStub implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<Integer, String[]> schemas = new ConcurrentHashMap<>(); // id -> {type, text}
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger failNext = new AtomicInteger();
    volatile int failStatus = 503;
    volatile String requiredAuthorization;
    final List<String> paths = new ArrayList<>();

    RegistryStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Adds a schema directly (as another producer would have registered it). */
    int put(String type, String text) {
        int id = 100 + schemas.size() + 1;
        schemas.put(id, new String[]{type, text});
        return id;
    }

    private void handle(HttpExchange x) throws IOException {
        requests.incrementAndGet();
        String path = x.getRequestURI().getRawPath();
        synchronized (paths) {
            paths.add(x.getRequestMethod() + " " + path);
        }
        byte[] in = x.getRequestBody().readAllBytes();
        if (requiredAuthorization != null && !requiredAuthorization.equals(x.getRequestHeaders().getFirst("Authorization"))) {
            send(x, 401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");
            return;
        }
        if (failNext.get() > 0 && failNext.getAndDecrement() > 0) {
            send(x, failStatus, "{\"error_code\":" + failStatus + "0,\"message\":\"injected\"}");
            return;
        }
        if (x.getRequestMethod().equals("GET") && path.startsWith("/schemas/ids/")) {
            String[] s = schemas.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
            if (s == null) {
                send(x, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
                return;
            }
            var body = JSON.createObjectNode().put("schema", s[1]);
            if (!s[0].equals("AVRO")) {
                body.put("schemaType", s[0]);
            }
            send(x, 200, body.toString());
        } else if (x.getRequestMethod().equals("POST") && path.startsWith("/subjects/") && path.endsWith("/versions")) {
            JsonNode req = JSON.readTree(new String(in, StandardCharsets.UTF_8));
            String type = req.path("schemaType").asText("AVRO");
            String text = req.path("schema").asText();
            int id = ids.computeIfAbsent(type + text, k -> put(type, text));
            send(x, 200, "{\"id\":" + id + "}");
        } else {
            send(x, 404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
        }
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
