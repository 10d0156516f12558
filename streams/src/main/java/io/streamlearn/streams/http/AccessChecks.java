package io.streamlearn.streams.http;

import com.sun.net.httpserver.HttpExchange;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may ask: with a bearer token, every route but {@code /health} and {@code /ready} requires
 * {@code Authorization: Bearer <token>} (compared in constant time); without one, the server is bound to
 * loopback and answers only requests addressed to a loopback name. Thread-safe (immutable).
 */
final class AccessChecks {

    private final String token;

    /** @param token the bearer token, or null or blank for none */
    AccessChecks(String token) {
        this.token = token;
    }

    /** Whether a token is configured. */
    boolean hasToken() {
        return token != null && !token.isBlank();
    }

    /** Both checks, loopback name first. */
    void check(HttpExchange ex) throws HttpError {
        requireLoopbackHostWithoutToken(ex);
        authorize(ex);
    }

    /**
     * Without a token the server is bound to loopback, and only requests addressed to a loopback name
     * are answered: a web page whose host name an attacker re-points at 127.0.0.1 (DNS rebinding) sends
     * its own name in {@code Host} and gets 403, so a browser on this machine cannot read the models.
     * A request without {@code Host} (HTTP/1.0, not a browser) is let through.
     */
    void requireLoopbackHostWithoutToken(HttpExchange ex) throws HttpError {
        if (hasToken()) {
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

    void authorize(HttpExchange ex) throws HttpError {
        if (!hasToken()) {
            return;
        }
        String header = ex.getRequestHeaders().getFirst("Authorization");
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        if (header == null || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new HttpError(401, "a valid bearer token is required");
        }
    }
}
