package io.streamlearn.streams.http;

import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpOptionsTest {

    @Command(name = "test")
    static final class Cmd {
        @Mixin
        HttpOptions http;
    }

    @TempDir
    Path dir;

    private static HttpOptions parse(String... args) {
        Cmd c = new Cmd();
        new CommandLine(c).parseArgs(args);
        return c.http;
    }

    @Test
    void shouldStayOffWithoutAPort() throws Exception {
        HttpOptions o = parse();
        assertFalse(o.enabled());
        try (StreamlearnMetrics m = new StreamlearnMetrics()) {
            assertNull(o.start(m));
        }
    }

    @Test
    void shouldStartOnLoopbackAndAdvertiseTheBoundPort() throws Exception {
        HttpOptions o = parse("--http-port", "0");
        try (StreamlearnMetrics m = new StreamlearnMetrics(); QueryEndpoint e = o.start(m)) {
            assertEquals("127.0.0.1", o.hostInfo(e).host());
            assertEquals(e.port(), o.hostInfo(e).port());
            assertTrue(e.port() > 0);
        }
    }

    @Test
    void shouldRequireATokenOffLoopbackAndReadItFromAFile() throws Exception {
        try (StreamlearnMetrics m = new StreamlearnMetrics()) {
            if (System.getenv(HttpOptions.TOKEN_ENV) == null) {
                assertThrows(IllegalArgumentException.class, () -> parse("--http-port", "0", "--http-bind", "0.0.0.0").start(m));
            }
            Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
            HttpOptions o = parse("--http-port", "0", "--http-bind", "0.0.0.0", "--http-token-file", token.toString(),
                    "--http-advertised-host", "node-1");
            try (QueryEndpoint e = o.start(m)) {
                assertEquals("node-1", o.hostInfo(e).host());
                HttpClient http = HttpClient.newHttpClient();
                URI metrics = URI.create("http://127.0.0.1:" + e.port() + "/metrics");
                assertEquals(401, http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(200, http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Bearer s3cret").build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            Path empty = Files.writeString(dir.resolve("empty"), "\n");
            assertThrows(IllegalArgumentException.class,
                    () -> parse("--http-port", "0", "--http-token-file", empty.toString()).start(m));
        }
    }
}
