package io.streamlearn.streams.integration;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code streamlearn run --http-port 0} as a user runs it (the shaded jar in its own JVM): the endpoint
 * reports the port on stderr, answers {@code /health}, serves the model of a key once an event was
 * learned, and forgets the key on {@code DELETE} (with the bearer token from the environment).
 */
class RunCommandHttpIT {

    private static final Pattern PORT = Pattern.compile("HTTP endpoint on port (\\d+)");
    private static final String TOKEN = "run-it-token";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldServeTheModelOfAKeyOverHttpAndForgetIt() throws Exception {
        Path jar = ShadedJar.require();
        assertTrue(Files.isRegularFile(jar), "the shaded jar is built in the package phase: " + jar.toAbsolutePath());
        String java = ProcessHandle.current().info().command().orElse("java");
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(), "run", "--output-format", "json",
                "--features", "x1,x2", "--model", "sgd:lr=0.1", "--http-port", "0")
                .redirectError(stderr.toFile());
        builder.environment().put("STREAMLEARN_HTTP_TOKEN", TOKEN);
        Process process = builder.start();
        try {
            BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> readLine(stdout)).get(120, TimeUnit.SECONDS);
            assertTrue(first != null && first.startsWith("bootstrap.servers="), "first stdout line: " + first);
            String bootstrap = first.substring("bootstrap.servers=".length());
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (port < 0) {
                Matcher m = PORT.matcher(Files.readString(stderr));
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
                assertTrue(System.nanoTime() < deadline, "the HTTP port on stderr:\n" + Files.readString(stderr));
                Thread.sleep(100);
            }

            HttpClient http = HttpClient.newHttpClient();
            URI health = URI.create("http://127.0.0.1:" + port + "/health");
            URI model = URI.create("http://127.0.0.1:" + port + "/models/dev-1");
            try (KafkaProducer<String, byte[]> producer = TestClients.producer(bootstrap)) {
                producer.send(new ProducerRecord<>("events", "dev-1",
                        "{\"id\":\"e1\",\"key\":\"dev-1\",\"ts\":1700000000000,\"features\":{\"x1\":1.0,\"x2\":2.0},\"label\":5.0}"
                                .getBytes(StandardCharsets.UTF_8)));
            }
            String body = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (body == null) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(model).header("Authorization", "Bearer " + TOKEN)
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"version\":1")) {
                    body = r.body();
                }
                assertTrue(System.nanoTime() < deadline, "model of dev-1 learned: " + r.statusCode() + " " + r.body()
                        + "\nstderr:\n" + Files.readString(stderr));
                Thread.sleep(200);
            }
            assertTrue(body.contains("\"key\":\"dev-1\"") && body.contains("\"model\":\"sgd:lr=0.1\"")
                    && body.contains("\"lastEventTime\":1700000000000"), body);
            HttpResponse<String> h = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, h.statusCode(), h.body());
            assertTrue(h.body().contains("RUNNING"), h.body());

            HttpResponse<String> forget = http.send(HttpRequest.newBuilder(model).header("Authorization", "Bearer " + TOKEN)
                    .DELETE().timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, forget.statusCode(), forget.body());
            assertTrue(forget.body().contains("\"acknowledgement\":{\"topic\":\"forget-acks\",\"key\":\"dev-1\"}"), forget.body());
            int status = 200;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (status != 404) {
                assertTrue(System.nanoTime() < deadline, "dev-1 forgotten; GET still answers " + status);
                Thread.sleep(200);
                status = http.send(HttpRequest.newBuilder(model).header("Authorization", "Bearer " + TOKEN).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            }

            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "stopped after SIGTERM");
        } finally {
            process.destroyForcibly();
        }
    }

    private static String readLine(BufferedReader r) {
        try {
            return r.readLine();
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
