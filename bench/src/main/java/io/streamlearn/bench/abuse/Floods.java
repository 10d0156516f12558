package io.streamlearn.bench.abuse;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Floods one {@code streamlearn run} (its own JVM, the shaded jar) on the in-process broker and checks, per flood,
 * that it goes on: the counters on {@code /metrics} reach the expected values, a probe of 1,000 ordinary labelled
 * events is scored afterwards, and the resident memory (VmRSS, sampled every second) stays bounded.
 * <pre>
 * java -Xmx2g -cp bench/target/benchmarks.jar io.streamlearn.bench.abuse.Floods \
 *     --jar streams/target/streamlearn.jar --unknown-labels 1000000 --new-keys 10000000 \
 *     --burst 1000000 --hot 2000000 [--heap 512m] [--model sgd] [--partitions 2] [--set KEY=VALUE ...]
 * </pre>
 * A flood with 0 records is skipped. Prints one Markdown table row per flood; writes the trace (every 5 s: seconds,
 * RSS MiB, heap used MiB, events scored) to {@code rss.csv} and the instance's log to {@code run.log} in
 * {@code --out} (default {@code target/floods}).
 */
public final class Floods {

    private static final List<String> FEATURES = List.of("x1", "x2", "x3");
    private static final long T0 = 1_790_000_000_000L;

    private final RunProcess app;
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicLong maxRss = new AtomicLong();
    private final Path trace;
    private final long started = System.nanoTime();
    private final SplittableRandom random = new SplittableRandom(42);
    private long ts = T0;
    private int probes;

    private Floods(RunProcess app, KafkaProducer<String, byte[]> producer, Path trace) {
        this.app = app;
        this.producer = producer;
        this.trace = trace;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        List<String> sets = new ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--set")) {
                sets.add(args[i + 1]);
            } else {
                opt.put(args[i].substring(2), args[i + 1]);
            }
        }
        Path jar = Path.of(opt.getOrDefault("jar", "streams/target/streamlearn.jar"));
        Path out = Path.of(opt.getOrDefault("out", "target/floods"));
        Files.createDirectories(out);
        int partitions = Integer.parseInt(opt.getOrDefault("partitions", "2"));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            AppConfig config = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers());
            broker.createTopics(partitions, config.topics());
            List<String> extra = new ArrayList<>(List.of("--features", String.join(",", FEATURES),
                    "--model", opt.getOrDefault("model", "sgd"), "--output-format", "avro"));
            for (String s : sets) {
                extra.add("--set");
                extra.add(s);
            }
            Path state = Files.createTempDirectory("floods-state");
            try (RunProcess app = RunProcess.start("floods", jar, opt.getOrDefault("heap", "512m"), broker.bootstrapServers(),
                    state, extra, out.resolve("run.log"));
                 KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers())) {
                Floods f = new Floods(app, producer, out.resolve("rss.csv"));
                f.run(opt);
            }
        }
    }

    private void run(Map<String, String> opt) throws Exception {
        Thread sampler = new Thread(this::sample, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
        awaitHttp();
        System.out.println("| flood | records | seconds | records/s | RSS before (MiB) | RSS max (MiB) | RSS after (MiB) | counters on /metrics | probe of 1,000 scored after (s) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|---:|");
        // warm-up: 1,000 keys with models, so the labels below have keys that exist
        flood("warm-up (1,000 keys, labelled)", 20_000, i -> event("k" + (i % 1000), "w" + i, next(), 1.0), "scored", 20_000, null, 0);
        long n = Long.parseLong(opt.getOrDefault("unknown-labels", "1000000"));
        if (n > 0) {
            flood("labels for unknown events", n, i -> label("k" + (i % 1000), "never-" + i, next()), "labels", n,
                    "unknown-event", n);
        }
        n = Long.parseLong(opt.getOrDefault("new-keys", "10000000"));
        if (n > 0) {
            flood("new keys (one labelled event each)", n, i -> event("new-" + i, "n" + i, next(), 1.0), "scored", n, null, 0);
        }
        n = Long.parseLong(opt.getOrDefault("burst", "1000000"));
        if (n > 0) {
            long same = ts + 1;
            ts = same;
            // 10,000 keys; half the events unlabelled (they wait in the pending-label store: the clock does not move)
            flood("burst, all at one timestamp", n, i -> event("b" + (i % 10_000), "b" + i, same, i % 2 == 0 ? 1.0 : null),
                    "scored", n, null, 0);
            if (Boolean.parseBoolean(opt.getOrDefault("expire", "true"))) {
                expire(Long.parseLong(opt.getOrDefault("horizon-days", "7")));
            }
        }
        n = Long.parseLong(opt.getOrDefault("hot", "2000000"));
        if (n > 0) {
            flood("one key with 10% of the traffic", n, i -> event(i % 10 == 0 ? "hot" : "h" + random.nextInt(100_000), "h" + i,
                    next(), 1.0), "scored", n, null, 0);
        }
        System.out.println();
        System.out.println("dead letters by reason: " + deadLetters());
        System.out.println("max RSS over the run: " + maxRss.get() / 1024 + " MiB");
    }

    private interface Gen {
        ProducerRecord<String, byte[]> record(long i);
    }

    /**
     * Sends {@code n} records, waits until the counter ({@code scored}: events scored; {@code labels}: labels with
     * outcome {@code outcome}) has grown by {@code expected}, then probes with 1,000 labelled events.
     */
    private void flood(String what, long n, Gen gen, String counter, long expected, String outcome, long expectedDead)
            throws Exception {
        double before = counter(counter, outcome);
        double deadBefore = outcome == null ? 0 : app.metric("streamlearn_dead_letters_total", "reason=\"" + outcome + "\"");
        long rssBefore = app.rssKib();
        maxRss.set(rssBefore);
        long start = System.nanoTime();
        for (long i = 0; i < n; i++) {
            producer.send(gen.record(i));
        }
        producer.flush();
        double now = await(counter, outcome, before + expected, what);
        double seconds = (System.nanoTime() - start) / 1e9;
        String counters = String.format(Locale.ROOT, "%s +%,.0f", counterName(counter, outcome), now - before);
        if (outcome != null) {
            double dead = app.metric("streamlearn_dead_letters_total", "reason=\"" + outcome + "\"") - deadBefore;
            counters += String.format(Locale.ROOT, "; dead_letters{reason=\"%s\"} +%,.0f", outcome, dead);
            if (dead != expectedDead) {
                throw new AssertionError(what + ": " + dead + " dead letters " + outcome + ", expected " + expectedDead);
            }
        }
        long rssMax = maxRss.get();
        double probe = probe();
        System.out.printf(Locale.ROOT, "| %s | %,d | %.0f | %,.0f | %d | %d | %d | %s | %.1f |%n", what, n, seconds, n / seconds,
                rssBefore / 1024, rssMax / 1024, app.rssKib() / 1024, counters, probe);
    }

    /**
     * The burst's unlabelled events expire together: events of every partition move the task clocks past two label
     * horizons, and the sweeps (every {@code streamlearn.label.sweep-interval}) must expire and delete them all.
     */
    private void expire(long horizonDays) throws Exception {
        String pendingStore = "store=\"" + AppConfig.defaults().pendingStoreName() + "\"";
        double before = app.metric("streamlearn_store_entries", pendingStore);
        long rssBefore = app.rssKib();
        maxRss.set(rssBefore);
        long start = System.nanoTime();
        ts += 2 * horizonDays * 86_400_000L + 60_000;
        for (int i = 0; i < 1000; i++) {
            producer.send(event("clock-" + i, "clock-" + i, next(), 1.0));
        }
        producer.flush();
        double now = before;
        long deadline = System.nanoTime() + 1_200_000_000_000L;
        while (now > before / 20 && System.nanoTime() < deadline) {
            Thread.sleep(2000);
            now = app.metric("streamlearn_store_entries", pendingStore);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long rssMax = maxRss.get();
        double probe = probe();
        System.out.printf(Locale.ROOT, "| expiry of the burst's unlabelled events (sweeps) | %,.0f | %.0f | %,.0f | %d | %d | %d | store_entries{%s} %,.0f -> %,.0f | %.1f |%n",
                before, seconds, before / seconds, rssBefore / 1024, rssMax / 1024, app.rssKib() / 1024, pendingStore, before, now, probe);
    }

    /** 1,000 labelled events of 100 known keys; seconds until all are scored. */
    private double probe() throws Exception {
        double before = counter("scored", null);
        long start = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            producer.send(event("k" + (i % 100), "probe-" + probes++, next(), 2.0));
        }
        producer.flush();
        await("scored", null, before + 1000, "probe");
        return (System.nanoTime() - start) / 1e9;
    }

    private double counter(String counter, String outcome) {
        return counter.equals("scored") ? app.metric("streamlearn_events_total", "outcome=\"scored\"")
                : app.metric("streamlearn_labels_total", "outcome=\"" + outcome + "\"");
    }

    private static String counterName(String counter, String outcome) {
        return counter.equals("scored") ? "events_total{outcome=\"scored\"}" : "labels_total{outcome=\"" + outcome + "\"}";
    }

    private double await(String counter, String outcome, double target, String what) throws Exception {
        long deadline = System.nanoTime() + 3_600_000_000_000L;
        double v = counter(counter, outcome);
        while (v < target) {
            if (!app.process.isAlive()) {
                throw new AssertionError(what + ": streamlearn run died, see " + app.log);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + v + " of " + target + " after an hour");
            }
            Thread.sleep(500);
            v = counter(counter, outcome);
        }
        return v;
    }

    private String deadLetters() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : app.scrape().split("\n")) {
            if (line.startsWith("streamlearn_dead_letters_total{")) {
                out.put(line.substring(line.indexOf("reason=\"") + 8, line.indexOf('"', line.indexOf("reason=\"") + 8)),
                        line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return out.toString();
    }

    private void awaitHttp() throws InterruptedException {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (app.scrape().isEmpty()) {
            if (!app.process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("streamlearn run did not answer on /metrics, see " + app.log);
            }
            Thread.sleep(500);
        }
    }

    /** Every second: VmRSS (for the maximum); every 5 s a line of the trace (seconds, RSS MiB, heap used MiB, events scored). */
    private void sample() {
        for (long tick = 0; ; tick++) {
            long rss = app.rssKib();
            maxRss.accumulateAndGet(rss, Math::max);
            if (tick % 5 == 0) {
                String m = app.scrape();
                String line = String.format(Locale.ROOT, "%.0f,%d,%.0f,%.0f", (System.nanoTime() - started) / 1e9, rss / 1024,
                        RunProcess.sum(m, "jvm_memory_used_bytes", "area=\"heap\"") / 1048576,
                        RunProcess.sum(m, "streamlearn_events_total", "outcome=\"scored\""));
                try {
                    Files.writeString(trace, line + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private long next() {
        return ++ts;
    }

    private static ProducerRecord<String, byte[]> event(String key, String id, long time, Double label) {
        Event e = new Event(id, key, time, Map.of("x1", (double) (id.hashCode() % 7), "x2", 1.0, "x3", -0.5), label);
        return new ProducerRecord<>("events", key, WireCodec.encode(e, WireFormat.AVRO));
    }

    private static ProducerRecord<String, byte[]> label(String key, String id, long time) {
        return new ProducerRecord<>("labels", key, WireCodec.encode(new Label(id, key, time, 1.0), WireFormat.AVRO));
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 262_144);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L << 20);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
