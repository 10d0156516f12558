package io.streamlearn.bench.e2e;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.demo.SyntheticEvents;
import io.streamlearn.streams.topology.StreamlearnTopology;
import io.streamlearn.streams.topology.errors.SkippedRecords;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end benchmark against an in-process broker ({@link EmbeddedKafkaBroker}): throughput and
 * event-to-prediction latency of the Streamlearn application, and the same figures in the same run
 * for a {@link BareTopology} (store get + put of a fixed-size byte[] and a forward, same serdes,
 * store type and guarantee), so that the cost of learning reads as a ratio.
 * <p>
 * For each topology, on its own topics:
 * <ol>
 *   <li><b>throughput</b>: a producer pre-loads {@code --events} events for {@code --keys} keys
 *       (every event labelled unless {@code --labelled} says otherwise); then the application
 *       starts; events per second = events / (time of the last output record − application start),
 *       also given from the first output record ("steady");</li>
 *   <li><b>latency</b>: with the application running and idle, a producer sends at a fixed
 *       {@code --rate} for {@code --latency-seconds}; each record carries its send time
 *       ({@link System#nanoTime()}, header {@value #SENT_HEADER}, same JVM as the consumer); the
 *       latency of a record is its arrival at a read_committed consumer of the output minus that.</li>
 * </ol>
 * Prints one line per topology and a summary ratio; logs go to stderr.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.e2e.EndToEndBenchmark \
 *     --events 200000 --keys 1000 --dimension 8 --model kalman --guarantee exactly_once_v2
 * }</pre>
 */
@Command(name = "e2e-bench", mixinStandardHelpOptions = true,
        description = "End-to-end throughput and latency of Streamlearn vs a bare get/put/forward topology.")
public final class EndToEndBenchmark implements Callable<Integer> {

    /** Header with the producer's System.nanoTime() at send, 8 bytes big-endian. */
    public static final String SENT_HEADER = "sl-sent-ns";
    /** Header present (value "2") on the records of the latency phase. */
    public static final String PHASE_HEADER = "sl-phase";

    @Option(names = "--events", description = "Events pre-loaded for the throughput phase (default ${DEFAULT-VALUE}).")
    int events = 200_000;

    @Option(names = "--keys", description = "Entity keys (default ${DEFAULT-VALUE}).")
    int keys = 1_000;

    @Option(names = "--dimension", description = "Features per event (default ${DEFAULT-VALUE}).")
    int dimension = 8;

    @Option(names = "--model", description = "Model SPEC; repeat for several (the first is the champion). Default: sgd.")
    List<String> models = new ArrayList<>();

    @Option(names = "--guarantee", description = "exactly_once_v2 or at_least_once (default ${DEFAULT-VALUE}).")
    String guarantee = "exactly_once_v2";

    @Option(names = "--format", description = "Wire format of events and predictions: avro or json (default ${DEFAULT-VALUE}).")
    String format = "avro";

    @Option(names = "--labelled", description = "Fraction of events that carry their label (default ${DEFAULT-VALUE}).")
    double labelled = 1.0;

    @Option(names = "--partitions", description = "Partitions of the events and output topics (default ${DEFAULT-VALUE}).")
    int partitions = 2;

    @Option(names = "--rate", description = "Events per second in the latency phase (default ${DEFAULT-VALUE}).")
    int rate = 1_000;

    @Option(names = "--latency-seconds", description = "Duration of the latency phase; 0 skips it (default ${DEFAULT-VALUE}).")
    int latencySeconds = 15;

    @Option(names = "--state-bytes", description = "Size of the bare topology's per-key state (default ${DEFAULT-VALUE}).")
    int stateBytes = 256;

    @Option(names = "--topology", description = "Which topologies, in run order: both (= bare,learn) or a "
            + "comma-separated sequence such as bare,learn,bare (default ${DEFAULT-VALUE}).")
    String topology = "both";

    @Option(names = "--warmup", description = "Events of an unmeasured first run of each topology, to warm up the JIT "
            + "and the broker; 0 skips it (default ${DEFAULT-VALUE}).")
    int warmup = 20_000;

    @Option(names = "--set", description = "Extra Kafka Streams setting KEY=VALUE for both topologies; repeatable.")
    List<String> sets = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new EndToEndBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (models.isEmpty()) {
            models.add(AppConfig.DEFAULT_MODEL);
        }
        WireFormat wire = WireFormat.parse(format);
        List<String> features = new ArrayList<>();
        for (int i = 1; i <= dimension; i++) {
            features.add("x" + i);
        }
        String mode = String.join("+", models) + " " + guarantee + " N=" + events + " K=" + keys + " d=" + dimension
                + " labelled=" + labelled + " " + format;
        List<Result> results = new ArrayList<>();
        Path stateRoot = Files.createTempDirectory("streamlearn-e2e-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            List<String> order = topology.equals("both") ? List.of("bare", "learn") : List.of(topology.split(","));
            if (order.isEmpty() || !List.of("bare", "learn").containsAll(order)) {
                throw new IllegalArgumentException("--topology must be both or a comma-separated sequence of bare and "
                        + "learn, e.g. bare,learn,bare");
            }
            List<String> runs = new ArrayList<>();
            if (warmup > 0) {
                new java.util.LinkedHashSet<>(order).forEach(o -> runs.add("warmup-" + o));
            }
            runs.addAll(order);
            for (int index = 0; index < runs.size(); index++) {
                String run = runs.get(index);
                boolean warm = run.startsWith("warmup-");
                String which = warm ? run.substring("warmup-".length()) : run;
                String tag = run + "-" + index;
                AppConfig config = AppConfig.defaults()
                        .with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers())
                        .with(AppConfig.APPLICATION_ID_KEY, "e2e-" + tag)
                        .with(AppConfig.STATE_DIR_KEY, stateRoot.resolve(tag).toString())
                        .with(AppConfig.PROCESSING_GUARANTEE_KEY, guarantee)
                        .with(AppConfig.MODELS_KEY, String.join(";", models))
                        .with(AppConfig.FEATURES_KEY, String.join(",", features))
                        .with(AppConfig.OUTPUT_FORMAT_KEY, format)
                        .with(AppConfig.EVENTS_TOPIC_KEY, "events-" + tag)
                        .with(AppConfig.LABELS_TOPIC_KEY, "labels-" + tag)
                        .with(AppConfig.PREDICTIONS_TOPIC_KEY, "predictions-" + tag)
                        .with(AppConfig.SHADOW_PREDICTIONS_TOPIC_KEY, "predictions-shadow-" + tag)
                        .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, "dead-letters-" + tag);
                for (String s : sets) {
                    int eq = s.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set needs KEY=VALUE, got " + s);
                    }
                    config = config.with(s.substring(0, eq), s.substring(eq + 1));
                }
                broker.createTopics(partitions, config.topics());
                awaitLeaders(broker, config.topics());
                Result r = run(which, config, broker, features, wire, warm ? warmup : events, warm ? 0 : latencySeconds);
                if (!warm) {
                    results.add(r);
                }
            }
        }
        System.out.println();
        System.out.println("mode: " + mode + ", partitions=" + partitions + ", latency phase " + rate + " ev/s x "
                + latencySeconds + " s");
        System.out.println("| topology | ev/s (from start) | ev/s (steady) | p50 ms | p90 ms | p99 ms | max ms | latency n |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            System.out.println(r.row());
        }
        double[] bare = means(results, "bare");
        double[] learn = means(results, "learn");
        if (bare != null && learn != null) {
            System.out.printf(Locale.ROOT, "RATIO learn/bare (means over runs) throughput: from start %.2f, steady %.2f; "
                    + "p50 latency %.2f%n", learn[0] / bare[0], learn[1] / bare[1], learn[2] / bare[2]);
        }
        return 0;
    }

    /** Means of (from start, steady, p50) over the results of one topology, or null if none. */
    private static double[] means(List<Result> results, String topology) {
        double[] m = new double[3];
        int n = 0;
        for (Result r : results) {
            if (r.topology.equals(topology)) {
                m[0] += r.fromStart;
                m[1] += r.steady;
                m[2] += r.p(0.5);
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        for (int i = 0; i < 3; i++) {
            m[i] /= n;
        }
        return m;
    }

    private Result run(String which, AppConfig config, EmbeddedKafkaBroker broker, List<String> features, WireFormat wire,
                       int n, int seconds) throws Exception {
        SyntheticEvents gen = new SyntheticEvents(42, keys, features, 0.1, labelled);
        // Pre-load.
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer(broker, 20)) {
            for (int i = 0; i < n; i++) {
                send(producer, config.eventsTopic(), gen, wire, false);
            }
        }
        double preload = n / ((System.nanoTime() - t0) / 1e9);
        System.err.printf(Locale.ROOT, "[%s] pre-loaded %d n at %.0f ev/s%n", which, n, preload);

        OutputReader reader = new OutputReader(broker, config.predictionsTopic(), rate * Math.max(seconds, 0));
        reader.start();
        reader.awaitAssigned();
        SkippedRecords skipped = new SkippedRecords();
        Properties props = StreamlearnApp.streamsProperties(config, skipped);
        Topology t = which.equals("bare")
                ? BareTopology.build(config.eventsTopic(), config.predictionsTopic(), config.storeName(), stateBytes)
                : StreamlearnTopology.build(config, skipped);
        KafkaStreams streams = new KafkaStreams(t, props);
        Result result = new Result(which);
        try {
            long start = System.nanoTime();
            streams.start();
            long deadline = start + TimeUnit.MINUTES.toNanos(10);
            while (reader.count.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (reader.count.get() < n) {
                throw new IllegalStateException(which + ": only " + reader.count.get() + " of " + n + " outputs");
            }
            result.fromStart = n / ((reader.nthNanos - start) / 1e9);
            result.steady = (n - 1) / ((reader.nthNanos - reader.firstNanos) / 1e9);
            System.err.printf(Locale.ROOT, "[%s] throughput %.0f ev/s from start, %.0f steady%n", which, result.fromStart,
                    result.steady);

            if (seconds > 0) {
                int total = rate * seconds;
                try (KafkaProducer<String, byte[]> producer = producer(broker, 0)) {
                    long begin = System.nanoTime();
                    long interval = 1_000_000_000L / rate;
                    for (int i = 0; i < total; i++) {
                        long due = begin + i * interval;
                        long wait;
                        while ((wait = due - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        send(producer, config.eventsTopic(), gen, wire, true);
                    }
                }
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (reader.latencyCount() < total && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                result.latencies = reader.latencies();
                if (result.latencies.length < total) {
                    System.err.printf("[%s] only %d of %d latency records arrived%n", which, result.latencies.length, total);
                }
            }
            if (skipped.total() > 0) {
                System.err.println("[" + which + "] skipped records: " + skipped.snapshot());
            }
        } finally {
            streams.close(Duration.ofSeconds(30));
            reader.stop();
        }
        System.err.println("[" + which + "] " + result.row());
        return result;
    }

    /** Waits until every partition of the topics has a leader (creation returns before that). */
    private static void awaitLeaders(EmbeddedKafkaBroker broker, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (var admin = broker.admin()) {
            while (System.nanoTime() < deadline) {
                boolean ready = true;
                for (var d : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                    for (var p : d.partitions()) {
                        ready &= p.leader() != null && !p.leader().isEmpty();
                    }
                }
                if (ready) {
                    return;
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("no leader for some partition of " + topics);
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, SyntheticEvents gen, WireFormat wire,
                             boolean latencyPhase) {
        Event e = gen.next();
        long now = System.currentTimeMillis();
        e.setTs(now);
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, null, now, e.getKey(), WireCodec.encode(e, wire));
        if (latencyPhase) {
            r.headers().add(PHASE_HEADER, new byte[] {'2'});
            r.headers().add(SENT_HEADER, ByteBuffer.allocate(8).putLong(System.nanoTime()).array());
        }
        producer.send(r);
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker, int lingerMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMs));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        // Not idempotent: under heavy load right after topic creation, the idempotent producer was seen
        // stuck for minutes on OUT_OF_ORDER_SEQUENCE_NUMBER. A duplicate input only adds an output record.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** A read_committed consumer of the output topic on its own thread. */
    private static final class OutputReader implements Runnable {
        final AtomicLong count = new AtomicLong();
        volatile long firstNanos;
        volatile long nthNanos;
        private final long[] latencies;
        private volatile int latencyCount;
        private volatile boolean running = true;
        private volatile boolean assigned;
        private final KafkaConsumer<String, byte[]> consumer;
        private final Thread thread = new Thread(this, "e2e-output-reader");

        OutputReader(EmbeddedKafkaBroker broker, String topic, int expectedLatencyRecords) {
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-reader-" + topic);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
            this.consumer.subscribe(List.of(topic));
            this.latencies = new long[expectedLatencyRecords];
        }

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void awaitAssigned() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!assigned && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        int latencyCount() {
            return latencyCount;
        }

        long[] latencies() {
            return Arrays.copyOf(latencies, latencyCount);
        }

        @Override
        public void run() {
            try {
                while (running) {
                    var records = consumer.poll(Duration.ofMillis(50));
                    if (!assigned && !consumer.assignment().isEmpty()) {
                        assigned = true;
                    }
                    long now = System.nanoTime();
                    int n = latencyCount;
                    for (ConsumerRecord<String, byte[]> r : records) {
                        Header sent = r.headers().lastHeader(SENT_HEADER);
                        if (sent != null) {
                            if (n < latencies.length) {
                                latencies[n++] = now - ByteBuffer.wrap(sent.value()).getLong();
                            }
                            continue;
                        }
                        long c = count.incrementAndGet();
                        if (c == 1) {
                            firstNanos = now;
                        }
                        nthNanos = now;
                    }
                    latencyCount = n;
                }
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }

    private static final class Result {
        final String topology;
        double fromStart;
        double steady;
        long[] latencies = new long[0];

        Result(String topology) {
            this.topology = topology;
        }

        /** The q-quantile of the latencies in ms (nearest rank), NaN if none. */
        double p(double q) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            long[] s = latencies.clone();
            Arrays.sort(s);
            int rank = (int) Math.ceil(q * s.length) - 1;
            return s[Math.max(0, Math.min(s.length - 1, rank))] / 1e6;
        }

        String row() {
            return String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %d |", topology, fromStart,
                    steady, p(0.5), p(0.9), p(0.99), p(1.0), latencies.length);
        }
    }
}
