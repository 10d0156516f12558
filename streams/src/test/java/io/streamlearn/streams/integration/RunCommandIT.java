package io.streamlearn.streams.integration;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code streamlearn run} as a user runs it: the shaded jar in its own JVM, no broker given. It must
 * print exactly one stdout line with the embedded broker's address, score a JSON event produced to
 * it, and stop cleanly on SIGTERM.
 */
class RunCommandIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldPrintTheBootstrapLineScoreAnEventAndStopOnSigterm() throws Exception {
        Path jar = ShadedJar.require();
        assertTrue(Files.isRegularFile(jar), "the shaded jar is built in the package phase: " + jar.toAbsolutePath());
        String java = ProcessHandle.current().info().command().orElse("java");
        Path stderr = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(), "run", "--output-format", "json",
                "--features", "x1,x2")
                .redirectError(stderr.toFile())
                .start();
        try {
            BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> readLine(stdout)).get(120, TimeUnit.SECONDS);
            assertTrue(first != null && first.matches("bootstrap\\.servers=127\\.0\\.0\\.1:\\d+"),
                    "first stdout line: " + first + "\nstderr:\n" + Files.readString(stderr));
            String bootstrap = first.substring("bootstrap.servers=".length());

            try (KafkaProducer<String, byte[]> producer = TestClients.producer(bootstrap)) {
                producer.send(new ProducerRecord<>("events", "dev-1",
                        "{\"id\":\"e1\",\"key\":\"dev-1\",\"ts\":1700000000000,\"features\":{\"x1\":1.0,\"x2\":2.0},\"label\":5.0}"
                                .getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>("events", "dev-1", "not json".getBytes(StandardCharsets.UTF_8)));
            }
            List<String> predictions = new ArrayList<>();
            List<String> deadLetters = new ArrayList<>();
            try (KafkaConsumer<String, byte[]> consumer = TestClients.consumer(bootstrap, "run-it")) {
                consumer.subscribe(List.of("predictions", "dead-letters"));
                TestClients.pollUntil(consumer, Duration.ofSeconds(90), () -> !predictions.isEmpty() && !deadLetters.isEmpty(),
                        r -> (r.topic().equals("predictions") ? predictions : deadLetters).add(new String(r.value(), StandardCharsets.UTF_8)));
            }
            assertEquals(1, predictions.size(), "stderr:\n" + Files.readString(stderr));
            String p = predictions.get(0);
            assertTrue(p.startsWith("{") && p.contains("\"id\":\"e1\"") && p.contains("\"key\":\"dev-1\"")
                    && p.contains("\"version\":0") && p.contains("\"label\":5.0"), p);
            assertEquals(1, deadLetters.size());
            assertTrue(deadLetters.get(0).contains("\"reason\":\"unknown-format\""), deadLetters.get(0));

            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "stopped after SIGTERM");
            assertEquals(143, process.exitValue(), "128 + SIGTERM, after the shutdown hook ran");
            assertEquals(null, readLine(stdout), "nothing else on stdout");
            String err = Files.readString(stderr);
            assertTrue(err.contains("Streamlearn stopped"), "the shutdown hook closed the application:\n" + err);
        } finally {
            process.destroyForcibly();
        }
    }

    static void deleteRecursively(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
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
