package io.streamlearn.bench.abuse;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code streamlearn run} in its own JVM (the shaded {@code streams/target/streamlearn.jar}), with its HTTP
 * endpoint on a free loopback port: its resident memory from {@code /proc/PID/status} and its Micrometer counters
 * from {@code /metrics}. Killed with SIGKILL ({@link #kill}) or closed with SIGTERM.
 */
final class RunProcess implements AutoCloseable {

    final String name;
    final Process process;
    final int httpPort;
    final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunProcess(String name, Process process, int httpPort, Path log) {
        this.name = name;
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    /**
     * @param heap  e.g. {@code 512m}
     * @param extra more arguments of {@code run}, e.g. {@code --set num.standby.replicas=1}
     */
    static RunProcess start(String name, Path jar, String heap, String bootstrap, Path stateDir, List<String> extra, Path log)
            throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-jar", jar.toString(), "run",
                "--bootstrap-servers", bootstrap, "--state-dir", stateDir.toString(), "--http-port", Integer.toString(port)));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly)); // no orphan when the tool is stopped
        return new RunProcess(name, p, port, log);
    }

    long pid() {
        return process.pid();
    }

    /** VmRSS of the process in KiB, or -1 when it is gone. */
    long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The Prometheus text of {@code /metrics}, or "" when it does not answer. */
    String scrape() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Whether {@code /ready} answers 200: running, and no active task restoring. */
    boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Records its state stores still have to read from the models changelog: the restore remaining of its
     * active tasks plus the lag of its restore consumer (which also keeps standby copies up to date).
     */
    double restoreBacklog() {
        String m = scrape();
        if (m.isEmpty()) {
            return Double.MAX_VALUE;
        }
        double lag = 0;
        for (String line : m.split("\n")) {
            if (line.startsWith("kafka_consumer_fetch_manager_records_lag{") && line.contains("restore-consumer")
                    && line.contains("models-changelog")) {
                lag += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return lag + sum(m, "kafka_stream_task_restore_remaining_records_total", null);
    }

    /** The sum of the samples of {@code name} whose labels contain {@code labelPart} (e.g. {@code outcome="scored"}). */
    double metric(String name, String labelPart) {
        return sum(scrape(), name, labelPart);
    }

    static double sum(String text, String name, String labelPart) {
        double total = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name) && (line.charAt(name.length()) == '{' || line.charAt(name.length()) == ' ')
                    && (labelPart == null || line.contains(labelPart))) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /** SIGKILL: no commit, no LeaveGroup, an open transaction. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
