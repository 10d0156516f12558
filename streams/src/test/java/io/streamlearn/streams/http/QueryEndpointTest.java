package io.streamlearn.streams.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryEndpointTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerStartingUntilAttachedThenServeTheInstance() throws Exception {
        try (StreamlearnMetrics metrics = new StreamlearnMetrics();
             QueryEndpoint endpoint = QueryEndpoint.start(ModelQueryServer.Options.local(0), metrics)) {
            int port = endpoint.port();
            assertTrue(port > 0);
            assertEquals("127.0.0.1:" + port, endpoint.hostInfo("127.0.0.1").host() + ":" + endpoint.hostInfo("127.0.0.1").port());
            HttpResponse<String> health = get(port, "/health");
            assertEquals(503, health.statusCode());
            assertEquals("STARTING", new ObjectMapper().readTree(health.body()).get("state").asText());
            assertEquals(503, get(port, "/models/k").statusCode());
            assertEquals(503, get(port, "/models?prefix=a").statusCode());
            assertEquals(200, get(port, "/metrics").statusCode());

            endpoint.attach(new ModelQueryServerTest.Fake("a", "k"));
            assertEquals(200, get(port, "/health").statusCode());
            assertEquals(200, get(port, "/models/k").statusCode());
            assertEquals(404, get(port, "/models/unknown").statusCode());
            String text = get(port, "/metrics").body();
            assertTrue(text.contains("streamlearn_http_requests_total{route=\"models/{key}\",status=\"200\"} 1.0"), text);
            assertTrue(text.contains("streamlearn_http_requests_total{route=\"models/{key}\",status=\"404\"} 1.0"), text);
            assertTrue(text.contains("streamlearn_http_requests_total{route=\"models/{key}\",status=\"503\"} 1.0"), text);
        }
    }

    private HttpResponse<String> delete(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).DELETE()
                .header("Authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A fake that also records whether the endpoint closed it. */
    static final class ClosingForget extends ModelQueryServerTest.FakeForget implements AutoCloseable {
        boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void shouldForgetOnlyOnceAttachedToForgetRequestsAndCloseThem() throws Exception {
        ClosingForget first = new ClosingForget();
        ClosingForget second = new ClosingForget();
        try (StreamlearnMetrics metrics = new StreamlearnMetrics();
             QueryEndpoint endpoint = QueryEndpoint.start(ModelQueryServer.Options.local(0).withToken("t"), metrics)) {
            int port = endpoint.port();
            assertEquals(503, delete(port, "/models/k").statusCode(), "starting");
            endpoint.attach(new ModelQueryServerTest.Fake("a", "k"));
            HttpResponse<String> none = delete(port, "/models/k");
            assertEquals(405, none.statusCode(), "attached without forget requests: " + none.body());
            endpoint.attach(first);
            endpoint.attach(second);
            assertTrue(first.closed, "a replaced producer is closed");
            assertEquals(202, delete(port, "/models/k").statusCode());
            assertEquals(java.util.List.of("k"), second.keys);
            assertTrue(first.keys.isEmpty());
        }
        assertTrue(second.closed, "closed with the endpoint");
    }
}
