package io.streamlearn.bench.e2e;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.demo.SyntheticEvents;
import io.streamlearn.state.StateCodec;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamlearn.streams.topology.StreamlearnTopology;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end benchmark against an in-process broker ({@link EmbeddedKafkaBroker}): throughput and
 * event-to-prediction latency of the Streamlearn application, and the same figures in the same run
 * for a {@link BareTopology} (store gets and puts of each model's state size, a forward per model,
 * with delayed labels a pending entry per event and a join per label; same serdes, store type and
 * guarantee), so that the cost of learning reads as a ratio.
 * <p>
 * For each topology, on its own topics:
 * <ol>
 *   <li><b>throughput</b>: a producer pre-loads {@code --events} events for {@code --keys} keys
 *       (every event labelled unless {@code --labelled} says otherwise; with {@code --delayed F}, a
 *       fraction F of the labelled events carry no label and their {@code Label} goes to the labels
 *       topic right after the event {@code --label-lag} events later); then the application starts.
 *       The run ends when every event's prediction has arrived at a read_committed consumer, from every
 *       model ({@code predictions} and, with several {@code --model}s, {@code predictions-shadow}), and
 *       the application's consumer group has committed the end offset of every labels partition;
 *       events per second = events / (that end − application start), also given from the first output
 *       record ("steady");</li>
 *   <li><b>latency</b>: with the application running and idle, a producer sends at a fixed
 *       {@code --rate} for {@code --latency-seconds}; each record carries its send time
 *       ({@link System#nanoTime()}, header {@value #SENT_HEADER}, same JVM as the consumer); the
 *       latency of a record is the arrival of the champion's prediction at a read_committed consumer
 *       minus that.</li>
 * </ol>
 * Prints one line per topology and a summary ratio; logs go to stderr.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.e2e.EndToEndBenchmark \
 *     --events 200000 --keys 1000 --dimension 8 --model kalman --model sgd --delayed 0.5
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

    @Option(names = "--state-bytes", description = "The bare topology's per-key state size of each model, comma-separated, "
            + "or auto: each learner's encoded state size (default ${DEFAULT-VALUE}).")
    String stateBytes = "auto";

    @Option(names = "--topology", description = "Which topologies, in run order: both (= bare,learn) or a "
            + "comma-separated sequence such as bare,learn,bare (default ${DEFAULT-VALUE}).")
    String topology = "both";

    @Option(names = "--warmup", description = "Events of an unmeasured first run of each topology, to warm up the JIT "
            + "and the broker; 0 skips it (default ${DEFAULT-VALUE}).")
    int warmup = 20_000;

    @Option(names = "--delayed", description = "Fraction of the labelled events whose label is not inline but sent "
            + "later on the labels topic, --label-lag events after the event (default ${DEFAULT-VALUE}).")
    double delayed = 0.0;

    @Option(names = "--label-lag", description = "A delayed label is sent right after the event this many events later "
            + "(the remaining ones after the last event) (default ${DEFAULT-VALUE}).")
    int labelLag = 1_000;

    @Option(names = "--set", description = "Extra Kafka Streams setting KEY=VALUE for both topologies; repeatable.")
    List<String> sets = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new EndToEndBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Result> results = execute();
        System.out.println();
        System.out.println("mode: " + mode() + ", partitions=" + partitions + ", latency phase " + rate + " ev/s x "
                + latencySeconds + " s, bare state bytes " + Arrays.toString(bareStateBytes()));
        System.out.println("| topology | ev/s (from start) | ev/s (steady) | p50 ms | p90 ms | p99 ms | max ms | latency n "
                + "| outputs champion / shadow | labels joined / sent | labels done − outputs done ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
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

    private String mode() {
        return String.join("+", models()) + " " + guarantee + " N=" + events + " K=" + keys + " d=" + dimension
                + " labelled=" + labelled + " delayed=" + delayed + (delayed > 0 ? " lag=" + labelLag : "") + " " + format;
    }

    private List<String> models() {
        return models.isEmpty() ? List.of(AppConfig.DEFAULT_MODEL) : models;
    }

    /**
     * The bare topology's state size per model: {@code --state-bytes}, else the encoded size of each
     * learner's state after 1000 updates with a current event time (the codec's header has varints).
     */
    int[] bareStateBytes() {
        List<String> m = models();
        int[] sizes = new int[m.size()];
        if (stateBytes.equals("auto")) {
            for (int i = 0; i < sizes.length; i++) {
                Learner learner = Learners.create(m.get(i), dimension);
                ModelState state = learner.newState();
                state.setCounters(1000, System.currentTimeMillis());
                sizes[i] = StateCodec.encodedSize(learner.storage(), learner.layout(), state);
            }
            return sizes;
        }
        String[] given = stateBytes.split(",");
        if (given.length != sizes.length) {
            throw new IllegalArgumentException("--state-bytes needs one size per model (" + sizes.length + "), got " + stateBytes);
        }
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = Integer.parseInt(given[i].trim());
        }
        return sizes;
    }

    /** Runs the warm-ups and the measured runs; returns the measured ones in order. */
    List<Result> execute() throws Exception {
        if (!(delayed >= 0 && delayed <= 1) || labelLag < 0) {
            throw new IllegalArgumentException("--delayed must be in [0, 1] and --label-lag at least 0");
        }
        WireFormat wire = WireFormat.parse(format);
        List<String> features = new ArrayList<>();
        for (int i = 1; i <= dimension; i++) {
            features.add("x" + i);
        }
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
                        .with(AppConfig.MODELS_KEY, String.join(";", models()))
                        .with(AppConfig.FEATURES_KEY, String.join(",", features))
                        .with(AppConfig.OUTPUT_FORMAT_KEY, format)
                        .with(AppConfig.EVENTS_TOPIC_KEY, "events-" + tag)
                        .with(AppConfig.LABELS_TOPIC_KEY, "labels-" + tag)
                        .with(AppConfig.PREDICTIONS_TOPIC_KEY, "predictions-" + tag)
                        .with(AppConfig.SHADOW_PREDICTIONS_TOPIC_KEY, "predictions-shadow-" + tag)
                        .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, "dead-letters-" + tag)
                        .with(AppConfig.CONTROL_TOPIC_KEY, "model-control-" + tag)
                        .with(AppConfig.FORGET_ACKS_TOPIC_KEY, "forget-acks-" + tag);
                for (String s : sets) {
                    int eq = s.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set needs KEY=VALUE, got " + s);
                    }
                    config = config.with(s.substring(0, eq), s.substring(eq + 1));
                }
                broker.createTopics(partitions, config.topics());
                awaitLeaders(broker, config.topics());
                Result r = run(which, config, broker, wire, features, warm ? warmup : events, warm ? 0 : latencySeconds);
                if (!warm) {
                    results.add(r);
                }
            }
        }
        return results;
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

    private Result run(String which, AppConfig config, EmbeddedKafkaBroker broker, WireFormat wire, List<String> features,
                       int n, int seconds) throws Exception {
        int modelCount = models().size();
        Sender sender = new Sender(config, wire, new SyntheticEvents(42, keys, features, 0.1, labelled));
        // Pre-load: the events and, interleaved labelLag events after their event, the delayed labels.
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer(broker, 20)) {
            for (int i = 0; i < n; i++) {
                sender.event(producer, false);
            }
            sender.flushLabels(producer);
        }
        long labelsSent = sender.labelsSent;
        double preload = n / ((System.nanoTime() - t0) / 1e9);
        System.err.printf(Locale.ROOT, "[%s] pre-loaded %d events and %d labels at %.0f ev/s%n", which, n, labelsSent, preload);

        List<String> outputs = new ArrayList<>(List.of(config.predictionsTopic()));
        if (config.shadowEnabled()) {
            outputs.add(config.shadowPredictionsTopic());
        }
        OutputReader reader = new OutputReader(broker, config.predictionsTopic(), outputs, rate * Math.max(seconds, 0));
        reader.start();
        reader.awaitAssigned();
        SkippedRecords skipped = new SkippedRecords();
        StreamlearnMeters meters = StreamlearnMeters.withoutErrors(new SimpleMeterRegistry());
        Properties props = StreamlearnApp.streamsProperties(config, skipped);
        LongAdder bareJoined = new LongAdder();
        Topology t = which.equals("bare")
                ? BareTopology.build(config.eventsTopic(), config.labelsTopic(), config.predictionsTopic(),
                        config.shadowPredictionsTopic(), config.storeName(), config.pendingStoreName(), bareStateBytes(),
                        bareJoined)
                : StreamlearnTopology.build(config.topologySettings().withSkipped(skipped).withMeters(meters));
        KafkaStreams streams = new KafkaStreams(t, props);
        Result result = new Result(which);
        result.labelsSent = labelsSent;
        try (Admin admin = broker.admin()) {
            LabelsProgress labels = new LabelsProgress(admin, config.applicationId(), config.labelsTopic(), labelsSent);
            long start = System.nanoTime();
            streams.start();
            long deadline = start + TimeUnit.MINUTES.toNanos(10);
            long expectedShadow = (long) n * (modelCount - 1);
            long labelsDone = labelsSent == 0 ? start : 0;
            while (System.nanoTime() < deadline) {
                if (labelsDone == 0 && labels.done()) {
                    labelsDone = System.nanoTime();
                }
                if (labelsDone != 0 && reader.count.get() >= n && reader.shadowCount.get() >= expectedShadow) {
                    break;
                }
                Thread.sleep(20);
            }
            if (reader.count.get() < n || reader.shadowCount.get() < expectedShadow || labelsDone == 0) {
                throw new IllegalStateException(which + ": after 10 minutes, " + reader.count.get() + " of " + n
                        + " predictions, " + reader.shadowCount.get() + " of " + expectedShadow + " shadow predictions, "
                        + "labels " + (labelsDone == 0 ? "not" : "") + " all committed");
            }
            long outputsDone = reader.lastNanos;
            long end = Math.max(outputsDone, labelsDone);
            result.outputs = reader.count.get();
            result.shadowOutputs = reader.shadowCount.get();
            result.labelsAfterOutputsMs = labelsSent == 0 ? 0 : (labelsDone - outputsDone) / 1e6;
            result.labelsJoined = which.equals("bare") ? bareJoined.sum() : Math.round(meters.labels(StreamlearnMeters.JOINED).count());
            result.fromStart = n / ((end - start) / 1e9);
            result.steady = (n - 1) / ((end - reader.firstNanos) / 1e9);
            System.err.printf(Locale.ROOT, "[%s] throughput %.0f ev/s from start, %.0f steady; %d + %d outputs, "
                            + "%d of %d labels joined%n", which, result.fromStart, result.steady, result.outputs,
                    result.shadowOutputs, result.labelsJoined, labelsSent);

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
                        sender.event(producer, true);
                    }
                    sender.flushLabels(producer);
                }
                long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (reader.latencyCount() < total && System.nanoTime() < stop) {
                    Thread.sleep(20);
                }
                result.latencies = reader.latencies();
                if (result.latencies.length < total) {
                    System.err.printf("[%s] only %d of %d latency records arrived%n", which, result.latencies.length, total);
                }
            }
            result.skipped = skipped.total();
            if (skipped.total() > 0) {
                System.err.println("[" + which + "] skipped records: " + skipped.snapshot());
                printDeadLetters(broker, config.deadLettersTopic(), 5);
            }
        } finally {
            streams.close(Duration.ofSeconds(30));
            reader.stop();
        }
        System.err.println("[" + which + "] " + result.row());
        return result;
    }

    /** Prints the first dead letters of the run (reason and detail) to stderr. */
    private static void printDeadLetters(EmbeddedKafkaBroker broker, String topic, int max) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-dead-letters-" + topic);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            int n = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (n < max && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (n++ < max) {
                        try {
                            DeadLetter d = WireCodec.decodeDeadLetter(r.value());
                            System.err.println("  dead letter " + d.getTopic() + "-" + d.getPartition() + "@" + d.getOffset()
                                    + " " + d.getReason() + ": " + d.getDetail());
                        } catch (MalformedRecordException e) {
                            System.err.println("  undecodable dead letter: " + e.getMessage());
                        }
                    }
                }
            }
        }
    }

    /**
     * Whether the application's consumer group has committed, on every partition of the labels topic,
     * the end offset the pre-load left there: every label was processed and, under exactly-once, its
     * store writes committed in the same transaction.
     */
    private static final class LabelsProgress {
        private final Admin admin;
        private final String group;
        private final Map<TopicPartition, Long> ends = new HashMap<>();

        LabelsProgress(Admin admin, String group, String topic, long labelsSent) throws Exception {
            this.admin = admin;
            this.group = group;
            if (labelsSent == 0) {
                return;
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (var p : admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()) {
                latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            }
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> {
                if (info.offset() > 0) {
                    ends.put(tp, info.offset());
                }
            });
            long total = ends.values().stream().mapToLong(Long::longValue).sum();
            if (total != labelsSent) {
                throw new IllegalStateException("labels topic " + topic + " holds " + total + " records, sent " + labelsSent);
            }
        }

        boolean done() throws Exception {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                if (c == null || c.offset() < e.getValue()) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Produces the benchmark's records: events, and for a {@code --delayed} fraction of the labelled
     * ones, the label stripped from the event and sent as a {@link Label} on the labels topic right after
     * the event {@code --label-lag} events later. Both records of such an event carry its id in the header
     * {@value BareTopology#ID_HEADER} (which the bare topology reads instead of decoding). Deterministic:
     * the same events and choices for each topology.
     */
    private final class Sender {
        private final AppConfig config;
        private final WireFormat wire;
        private final SyntheticEvents gen;
        private final Random choice = new Random(43);
        /** Delayed labels in event order, with the event count after which each is due. */
        private final ArrayDeque<Label> labels = new ArrayDeque<>();
        private final ArrayDeque<Long> due = new ArrayDeque<>();
        private long sent;
        long labelsSent;

        Sender(AppConfig config, WireFormat wire, SyntheticEvents gen) {
            this.config = config;
            this.wire = wire;
            this.gen = gen;
        }

        void event(KafkaProducer<String, byte[]> producer, boolean latencyPhase) {
            Event e = gen.next();
            long now = System.currentTimeMillis();
            e.setTs(now);
            boolean delay = e.getLabel() != null && delayed > 0 && choice.nextDouble() < delayed;
            if (delay) {
                labels.add(Label.newBuilder().setId(e.getId()).setKey(e.getKey()).setTs(now).setLabel(e.getLabel()).build());
                due.add(sent + labelLag);
                e.setLabel(null);
            }
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(config.eventsTopic(), null, now, e.getKey(),
                    WireCodec.encode(e, wire));
            if (delay) {
                r.headers().add(BareTopology.ID_HEADER, e.getId().getBytes(StandardCharsets.UTF_8));
            }
            if (latencyPhase) {
                r.headers().add(PHASE_HEADER, new byte[] {'2'});
                r.headers().add(SENT_HEADER, ByteBuffer.allocate(8).putLong(System.nanoTime()).array());
            }
            producer.send(r);
            sent++;
            while (!due.isEmpty() && due.peekFirst() < sent) {
                due.pollFirst();
                sendLabel(producer, labels.pollFirst());
            }
        }

        /** Sends the labels still waiting (at the end of a phase). */
        void flushLabels(KafkaProducer<String, byte[]> producer) {
            while (!labels.isEmpty()) {
                due.pollFirst();
                sendLabel(producer, labels.pollFirst());
            }
        }

        /**
         * The label's ts and record timestamp are the time it is sent, and at least its event's + 1 ms:
         * Kafka Streams takes the next record of a task from the partition whose head has the lowest
         * timestamp, and on a tie (events sent within the same millisecond in the pre-load) the label
         * could be processed before its event and be dead-lettered as unknown.
         */
        private void sendLabel(KafkaProducer<String, byte[]> producer, Label label) {
            long now = Math.max(System.currentTimeMillis(), label.getTs() + 1);
            label.setTs(now);
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(config.labelsTopic(), null, now, label.getKey(),
                    WireCodec.encode(label, wire));
            r.headers().add(BareTopology.ID_HEADER, label.getId().getBytes(StandardCharsets.UTF_8));
            producer.send(r);
            labelsSent++;
        }
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

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker, int lingerMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMs));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        // Not idempotent: under heavy load right after topic creation, the idempotent producer was seen
        // stuck for minutes on OUT_OF_ORDER_SEQUENCE_NUMBER. A duplicate input only adds an output record.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        // One request in flight, so that a retry (NOT_LEADER_OR_FOLLOWER right after topic creation) cannot
        // reorder batches: a label must stay behind its event in timestamp order (see Sender#sendLabel).
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * A read_committed consumer of the output topics on its own thread: counts the champion's and the
     * other models' predictions of the throughput phase, and measures the latency of the champion's
     * predictions of the latency phase.
     */
    private static final class OutputReader implements Runnable {
        final AtomicLong count = new AtomicLong();
        final AtomicLong shadowCount = new AtomicLong();
        volatile long firstNanos;
        /** Arrival of the last throughput-phase record, on any output topic. */
        volatile long lastNanos;
        private final String championTopic;
        private final long[] latencies;
        private volatile int latencyCount;
        private volatile boolean running = true;
        private volatile boolean assigned;
        private final KafkaConsumer<String, byte[]> consumer;
        private final Thread thread = new Thread(this, "e2e-output-reader");

        OutputReader(EmbeddedKafkaBroker broker, String championTopic, List<String> topics, int expectedLatencyRecords) {
            this.championTopic = championTopic;
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-reader-" + championTopic);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
            this.consumer.subscribe(topics);
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
                        boolean champion = r.topic().equals(championTopic);
                        Header sent = r.headers().lastHeader(SENT_HEADER);
                        if (sent != null) {
                            if (champion && n < latencies.length) {
                                latencies[n++] = now - ByteBuffer.wrap(sent.value()).getLong();
                            }
                            continue;
                        }
                        if (firstNanos == 0) {
                            firstNanos = now;
                        }
                        (champion ? count : shadowCount).incrementAndGet();
                        lastNanos = now;
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

    /** One measured run. */
    static final class Result {
        final String topology;
        double fromStart;
        double steady;
        long[] latencies = new long[0];
        /** Throughput-phase records on the predictions topic and on the shadow topic. */
        long outputs;
        long shadowOutputs;
        long labelsSent;
        /** Labels that found their pending event: the labels-joined metric, or the bare topology's count. */
        long labelsJoined;
        /** When the labels' offsets were all committed minus when the last output arrived (negative: before). */
        double labelsAfterOutputsMs;
        /** Records sent to dead-letters (learn only). */
        long skipped;

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
            return String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %d | %d / %d | %d / %d | %.0f |",
                    topology, fromStart, steady, p(0.5), p(0.9), p(0.99), p(1.0), latencies.length, outputs, shadowOutputs,
                    labelsJoined, labelsSent, labelsAfterOutputsMs);
        }
    }
}
