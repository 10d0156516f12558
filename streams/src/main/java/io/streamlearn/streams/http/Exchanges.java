package io.streamlearn.streams.http;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every route does with an exchange: read and check the request (key, percent-encoding, query
 * parameters, body size) and write a JSON answer; and the mark of an exchange answered asynchronously
 * (forwarded, or a forget request waiting for Kafka), which its callback then answers, counts and closes.
 */
final class Exchanges {

    /** Strict JSON: a duplicate field is an error, not a silent overwrite. Thread-safe. */
    static final ObjectMapper MAPPER = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    static final String JSON = "application/json; charset=utf-8";
    /** Exchange attribute set once a callback owns the exchange. */
    private static final String ASYNC_ATTRIBUTE = "io.streamlearn.http.forwarding";
    /** Largest oversized body read (and discarded) before answering 413, so the client sees the answer. */
    private static final long DRAIN_LIMIT_BYTES = 1L << 20;
    private static final Logger LOG = LoggerFactory.getLogger(ModelQueryServer.class);

    private Exchanges() {
    }

    /** Hands the exchange to a callback, which answers, counts and closes it. */
    static void markAsync(HttpExchange ex) {
        ex.setAttribute(ASYNC_ATTRIBUTE, Boolean.TRUE);
    }

    /** Whether the exchange was handed to a callback. */
    static boolean isAsync(HttpExchange ex) {
        return ex.getAttribute(ASYNC_ATTRIBUTE) != null;
    }

    static void sendQuietly(HttpExchange ex, int status, String message) {
        try {
            sendError(ex, status, message);
        } catch (IOException e) {
            LOG.debug("HTTP response not delivered: {}", e.toString());
        }
    }

    static String entityKey(String key) throws HttpError {
        if (key.isEmpty()) {
            throw new HttpError(400, "empty key");
        }
        if (key.length() > ModelQueryServer.MAX_KEY_LENGTH) {
            throw new HttpError(400, "key longer than " + ModelQueryServer.MAX_KEY_LENGTH + " characters");
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

    static Map<String, String> queryParams(String rawQuery) throws HttpError {
        return queryParams(rawQuery, "prefix", "limit", "local");
    }

    /** The query parameters, each one of {@code known} (any other is a 400). */
    static Map<String, String> queryParams(String rawQuery, String... known) throws HttpError {
        java.util.List<String> names = java.util.List.of(known);
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

    static String encodeQuery(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static byte[] readBody(HttpExchange ex) throws IOException, HttpError {
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
                throw new HttpError(413, "request body larger than " + ModelQueryServer.MAX_BODY_BYTES + " bytes");
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(ModelQueryServer.MAX_BODY_BYTES + 1);
            if (body.length > ModelQueryServer.MAX_BODY_BYTES) {
                // Read the rest (up to a limit) so that the client sees the 413 rather than a reset.
                long skipped = 0;
                byte[] sink = new byte[8192];
                int n;
                while (skipped < DRAIN_LIMIT_BYTES && (n = in.read(sink)) > 0) {
                    skipped += n;
                }
                ex.getResponseHeaders().set("Connection", "close");
                throw new HttpError(413, "request body larger than " + ModelQueryServer.MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    // ---- responses

    static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, JSON, MAPPER.writeValueAsBytes(body));
    }

    static void sendError(HttpExchange ex, int status, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("status", status);
        sendJson(ex, status, body);
    }

    static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
