package io.streamlearn.bench.chaos;

import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.broker.EmbeddedKafkaCluster;
import io.streamlearn.streams.chaos.ChaosFeeder;
import io.streamlearn.streams.chaos.ChaosWorkload;
import io.streamlearn.streams.chaos.ExactlyOnceAudit;
import io.streamlearn.streams.cli.StreamlearnCommand;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chaos harness: a broker (or a replicated cluster of three) in this JVM, {@code N} instances of
 * {@code streamlearn run} as child processes of one application (each with its own state directory),
 * a {@link ChaosWorkload} of events and delayed labels fed at a steady rate, and an instance SIGKILLed
 * at random moments (its state directory sometimes wiped, so it restores from the changelog) and
 * started again. When the feed is done, {@link ExactlyOnceAudit} compares what a read_committed reader
 * sees with {@code streamlearn backtest}. Prints the events, kills, wipes and restarts, the audit's
 * counts (duplicated, missing and differing predictions, wrong versions, dead letters, final states:
 * all 0 when nothing was lost, repeated or changed) and the time to recover from each kill: from the
 * SIGKILL until every event sent before it has its committed prediction.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.chaos.ChaosRun --events 500000 --instances 3 --rate 800
 * }</pre>
 * Options: {@code --events N} (20000), {@code --instances N} (2), {@code --brokers 1|3} (1),
 * {@code --rate R} records a second (400), {@code --kill-every-ms A..B} (5000..15000),
 * {@code --wipe P} probability of wiping the killed instance's state (0.3), {@code --down-ms MAX}
 * longest wait before the restart (3000), {@code --partitions N} (4), {@code --seed S} (1),
 * {@code --dir DIR} (a temporary directory; the instances' logs stay there). Exit code 0 when the
 * audit found nothing, 1 otherwise.
 */
public final class ChaosRun {

    static final List<String> FEATURES = List.of("x1", "x2", "x3");
    static final List<String> MODELS = List.of("kalman", "sgd");
    static final String MAIN_CLASS = StreamlearnCommand.class.getName();

    /** The settings of one run. */
    public record Options(int events, int instances, int brokers, double rate, long killMinMs, long killMaxMs,
                          double wipe, long downMaxMs, int partitions, long seed, Path dir) {

        /** A short run: 2 instances, one broker. */
        public static Options defaults(Path dir) {
            return new Options(20_000, 2, 1, 400, 5_000, 15_000, 0.3, 3_000, 4, 1, dir);
        }

        static Options parse(String[] args) throws IOException {
            Options o = defaults(null);
            int events = o.events, instances = o.instances, brokers = o.brokers, partitions = o.partitions;
            double rate = o.rate, wipe = o.wipe;
            long killMin = o.killMinMs, killMax = o.killMaxMs, down = o.downMaxMs, seed = o.seed;
            Path dir = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                if (v == null) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                i++;
                switch (a) {
                    case "--events" -> events = Integer.parseInt(v);
                    case "--instances" -> instances = Integer.parseInt(v);
                    case "--brokers" -> brokers = Integer.parseInt(v);
                    case "--rate" -> rate = Double.parseDouble(v);
                    case "--kill-every-ms" -> {
                        String[] r = v.split("\\.\\.");
                        killMin = Long.parseLong(r[0]);
                        killMax = Long.parseLong(r[r.length - 1]);
                    }
                    case "--wipe" -> wipe = Double.parseDouble(v);
                    case "--down-ms" -> down = Long.parseLong(v);
                    case "--partitions" -> partitions = Integer.parseInt(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--dir" -> dir = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (dir == null) {
                dir = Files.createTempDirectory("streamlearn-chaos-");
            }
            return new Options(events, instances, brokers, rate, killMin, killMax, wipe, down, partitions, seed, dir);
        }
    }

    /** What a run did and found. */
    public record Summary(int events, int kills, int wipes, int restarts, List<Long> recoveryMillis,
                          ExactlyOnceAudit.Result audit, long seconds) {

        /** The audit found nothing wrong. */
        public boolean ok() {
            return audit.ok();
        }

        @Override
        public String toString() {
            List<Long> r = new ArrayList<>(recoveryMillis);
            Collections.sort(r);
            String rec = r.isEmpty() ? "none measured" : String.format("median %d ms, max %d ms over %d kills",
                    r.get(r.size() / 2), r.get(r.size() - 1), r.size());
            return String.format("events %d, kills %d (%d with the state directory wiped), restarts %d, %d s%n"
                            + "duplicated %d, missing %d, differing %d, wrong versions %d, dead letters %d, final states %d"
                            + " compared with %d wrong%n"
                            + "time to recover (SIGKILL until every event sent before it is predicted): %s%n"
                            + "audit: %s",
                    events, kills, wipes, restarts, seconds, audit.duplicated(), audit.missing(), audit.differing(),
                    audit.versionErrors(), audit.deadLetters(), audit.states(), audit.stateErrors(), rec, audit);
        }
    }

    private ChaosRun() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("chaos: " + e.getMessage());
            System.exit(2);
            return;
        }
        Summary s = run(o, System.out);
        System.out.println(s);
        System.exit(s.ok() ? 0 : 1);
    }

    /** Runs the harness; progress lines go to {@code log}. */
    public static Summary run(Options o, java.io.PrintStream log) throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(o.dir());
        // 200 keys with inline labels (or none); one event in 40 is a key whose label comes ~2 s later
        ChaosWorkload workload = new ChaosWorkload(o.seed(), o.events(), 200, 40, Math.max(1, (int) (2 * o.rate())), 0.6,
                FEATURES);
        Random random = new Random(o.seed());
        AutoCloseable kafka;
        String bootstrap;
        if (o.brokers() == 1) {
            // records are stamped in 2023: no time-based retention may delete them during the run
            EmbeddedKafkaBroker b = EmbeddedKafkaBroker.start(0, java.util.Map.of("log.retention.ms", "-1"));
            b.createTopics(o.partitions(), "events", "labels", "predictions", "predictions-shadow", "dead-letters");
            kafka = b;
            bootstrap = b.bootstrapServers();
        } else {
            EmbeddedKafkaCluster c = EmbeddedKafkaCluster.start(o.brokers(), java.util.Map.of("log.retention.ms", "-1"));
            c.createTopics(o.partitions(), "events", "labels", "predictions", "predictions-shadow", "dead-letters");
            c.createTopics(1, List.of("model-control"), java.util.Map.of("cleanup.policy", "compact"));
            kafka = c;
            bootstrap = c.bootstrapServers();
        }
        List<Instance> instances = new ArrayList<>();
        int kills = 0;
        int wipes = 0;
        int restarts = 0;
        List<Long> recoveries = Collections.synchronizedList(new ArrayList<>());
        try (AutoCloseable k = kafka) {
            for (int i = 0; i < o.instances(); i++) {
                Instance in = new Instance(i, o, bootstrap);
                in.start();
                instances.add(in);
            }
            log.printf("chaos: %d instances of %s on %s; %d events and %d delayed labels at %.0f records/s%n",
                    o.instances(), MAIN_CLASS, bootstrap, workload.events().size(), workload.labels().size(), o.rate());
            try (Progress progress = new Progress(bootstrap);
                 ChaosFeeder feeder = ChaosFeeder.start(bootstrap, workload, o.rate())) {
                // kills while events arrive; then the instances may catch up (the last labels wait for their predictions)
                int events = workload.events().size();
                while (feeder.eventsSent() < events && !feeder.done()) {
                    long wait = o.killMinMs() + (long) (random.nextDouble() * (o.killMaxMs() - o.killMinMs()));
                    long until = System.currentTimeMillis() + wait;
                    while (feeder.eventsSent() < events && !feeder.done() && System.currentTimeMillis() < until) {
                        Thread.sleep(100);
                    }
                    if (feeder.eventsSent() >= events || feeder.done()) {
                        break;
                    }
                    Instance victim = instances.get(random.nextInt(instances.size()));
                    int sentAtKill = feeder.eventsSent();
                    long killedAt = System.nanoTime();
                    victim.kill();
                    kills++;
                    boolean wipe = random.nextDouble() < o.wipe();
                    if (wipe) {
                        victim.wipe();
                        wipes++;
                    }
                    progress.whenPredicted(sentAtKill, () -> recoveries.add((System.nanoTime() - killedAt) / 1_000_000));
                    Thread.sleep((long) (random.nextDouble() * o.downMaxMs()));
                    victim.start();
                    restarts++;
                    log.printf("chaos: kill %d: instance %d after %d events%s, restarted%n", kills, victim.index, sentAtKill,
                            wipe ? " (state wiped)" : "");
                }
                feeder.await();
                log.printf("chaos: all %d records sent; waiting for the last predictions%n", feeder.sent());
                ExactlyOnceAudit.Result audit = ExactlyOnceAudit.run(bootstrap, "streamlearn", workload, MODELS,
                        o.partitions(), o.dir(), Duration.ofSeconds(Math.max(120, o.events() / 500)));
                progress.awaitPending(Duration.ofSeconds(10));
                return new Summary(workload.events().size(), kills, wipes, restarts, List.copyOf(recoveries), audit,
                        (System.nanoTime() - started) / 1_000_000_000);
            } finally {
                for (Instance in : instances) {
                    in.stop();
                }
            }
        }
    }

    /** One {@code streamlearn run} child process and its state directory. */
    private static final class Instance {
        final int index;
        final Options options;
        final String bootstrap;
        final Path stateDir;
        Process process;

        Instance(int index, Options options, String bootstrap) {
            this.index = index;
            this.options = options;
            this.bootstrap = bootstrap;
            this.stateDir = options.dir().resolve("instance-" + index);
        }

        void start() throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), MAIN_CLASS, "run",
                    "--bootstrap-servers", bootstrap, "--state-dir", stateDir.toString(),
                    "--features", String.join(",", FEATURES), "--output-format", "avro",
                    // a killed instance never leaves the group: keep the wait for its session short
                    "--set", "main.consumer.session.timeout.ms=6000",
                    "--set", "main.consumer.heartbeat.interval.ms=1000",
                    "--set", "commit.interval.ms=100",
                    // the audit's backtest runs with --prior none (see ChaosWorkload)
                    "--set", "streamlearn.prior=none"));
            for (String m : MODELS) {
                cmd.add("--model");
                cmd.add(m);
            }
            if (options.brokers() > 1) {
                cmd.add("--set");
                cmd.add("replication.factor=3");
            }
            Path log = options.dir().resolve("instance-" + index + ".log");
            process = new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        }

        /** SIGKILL: no commit, no LeaveGroup, an open transaction. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        void wipe() {
            deleteRecursively(stateDir);
        }

        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /** Counts committed champion predictions on a thread of its own and runs callbacks when a count is reached. */
    private static final class Progress implements AutoCloseable {
        private final AtomicLong predicted = new AtomicLong();
        private final List<long[]> targets = new ArrayList<>();
        private final List<Runnable> actions = new ArrayList<>();
        private final Thread thread;
        private volatile boolean stop;

        Progress(String bootstrap) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "chaos-progress-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            thread = new Thread(() -> {
                try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
                    c.subscribe(List.of("predictions"));
                    while (!stop) {
                        predicted.addAndGet(c.poll(Duration.ofMillis(100)).count());
                        fire();
                    }
                }
            }, "chaos-progress");
            thread.setDaemon(true);
            thread.start();
        }

        synchronized void whenPredicted(long count, Runnable action) {
            targets.add(new long[] {count});
            actions.add(action);
        }

        private synchronized void fire() {
            for (int i = targets.size() - 1; i >= 0; i--) {
                if (predicted.get() >= targets.get(i)[0]) {
                    actions.remove(i).run();
                    targets.remove(i);
                }
            }
        }

        void awaitPending(Duration d) throws InterruptedException {
            long end = System.nanoTime() + d.toNanos();
            while (System.nanoTime() < end) {
                synchronized (this) {
                    if (targets.isEmpty()) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }

    /** Wipes an instance's state directory (Kafka's own recursive delete; a missing directory is fine). */
    static void deleteRecursively(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot wipe " + dir, e);
        }
    }
}
