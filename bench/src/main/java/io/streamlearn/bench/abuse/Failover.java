package io.streamlearn.bench.abuse;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fail-over time: two {@code streamlearn run} instances (own JVMs, the shaded jar) share the partitions of
 * {@code events}; both hold models for {@code --keys-per-instance} keys; then instance B is killed with SIGKILL and
 * the tool measures, per partition B had, the time from the kill to the first committed (read_committed)
 * prediction of a probe event sent after the kill. Probes go to one known key per partition every 100 ms.
 * <pre>
 * java -Xmx2g -cp bench/target/benchmarks.jar io.streamlearn.bench.abuse.Failover \
 *     --jar streams/target/streamlearn.jar --keys-per-instance 10000 --standby 0|1 [--partitions 8] [--heap 768m] \
 *     [--settle 10] [--set KEY=VALUE ...]
 * </pre>
 * Prints one Markdown table row.
 */
public final class Failover {

    private static final List<String> FEATURES = List.of("x1", "x2", "x3");

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
        Path out = Path.of(opt.getOrDefault("out", "target/failover"));
        Files.createDirectories(out);
        int partitions = Integer.parseInt(opt.getOrDefault("partitions", "8"));
        long keys = 2 * Long.parseLong(opt.getOrDefault("keys-per-instance", "10000"));
        String standby = opt.getOrDefault("standby", "0");
        String heap = opt.getOrDefault("heap", "768m");
        long settle = Long.parseLong(opt.getOrDefault("settle", "10"));

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            AppConfig config = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers());
            broker.createTopics(partitions, config.topics());
            String model = opt.getOrDefault("model", "sgd");
            boolean seed = Boolean.parseBoolean(opt.getOrDefault("seed-changelog", "false"));
            if (seed) {
                long t = System.nanoTime();
                seedChangelog(broker, config.with(AppConfig.FEATURES_KEY, String.join(",", FEATURES)).with(AppConfig.MODELS_KEY, model),
                        partitions, keys);
                System.err.printf(Locale.ROOT, "seeded the changelog with %,d model states in %.0f s%n", keys, (System.nanoTime() - t) / 1e9);
            }
            List<String> extra = new ArrayList<>(List.of("--features", String.join(",", FEATURES), "--model",
                    model, "--output-format", "avro", "--set", "num.standby.replicas=" + standby));
            for (String s : sets) {
                extra.add("--set");
                extra.add(s);
            }
            Path stateA = Files.createTempDirectory("failover-a");
            Path stateB = Files.createTempDirectory("failover-b");
            String instanceB = StreamlearnApp.staticInstanceId(config.with(AppConfig.STATE_DIR_KEY, stateB.toString()));
            try (RunProcess a = RunProcess.start("a", jar, heap, broker.bootstrapServers(), stateA, extra, out.resolve("a.log"));
                 RunProcess b = RunProcess.start("b", jar, heap, broker.bootstrapServers(), stateB, extra, out.resolve("b.log"));
                 KafkaProducer<String, byte[]> producer = Floods.producer(broker.bootstrapServers());
                 Admin admin = broker.admin()) {
                Set<Integer> bParts = awaitSplit(admin, config.applicationId(), instanceB, partitions);
                System.err.println("B runs partitions " + bParts);

                long loadStart = System.nanoTime();
                for (long i = 0; i < (seed ? 0 : keys); i++) {
                    String key = "key-" + i;
                    producer.send(new ProducerRecord<>("events", key, WireCodec.encode(new Event("load-" + i, key, 1_790_000_000_000L + i,
                            Map.of("x1", 1.0, "x2", (double) (i % 13), "x3", -1.0), 1.0), WireFormat.AVRO)));
                }
                producer.flush();
                int caughtUp = 0;
                while (seed ? caughtUp < 3 : scored(a) + scored(b) < keys) {
                    if (seed) {
                        // restored, and standby copies caught up: no backlog on either instance, three times in a row
                        boolean none = a.ready() && b.ready() && a.restoreBacklog() == 0 && b.restoreBacklog() == 0
                                && System.nanoTime() - loadStart > 20_000_000_000L;
                        caughtUp = none ? caughtUp + 1 : 0;
                    }
                    if (!a.process.isAlive() || !b.process.isAlive()) {
                        throw new AssertionError("an instance died during the load, see " + out);
                    }
                    Thread.sleep(500);
                }
                double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
                System.err.printf(Locale.ROOT, "%s %,d keys in %.0f s; settling %d s%n", seed ? "restored (and standbys caught up)"
                        : "loaded", keys, loadSeconds, settle);
                Thread.sleep(settle * 1000);
                bParts = awaitSplit(admin, config.applicationId(), instanceB, partitions);
                long rssA = a.rssKib();

                // one probe key per partition, among the loaded keys
                Map<Integer, String> probeKey = new TreeMap<>();
                for (long i = 0; probeKey.size() < partitions; i++) {
                    String key = "key-" + i;
                    probeKey.putIfAbsent(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions, key);
                }
                Map<Integer, Long> firstAfterKill = new ConcurrentHashMap<>();
                AtomicBoolean running = new AtomicBoolean(true);
                long[] killedAt = {Long.MAX_VALUE};
                Thread prober = new Thread(() -> {
                    long n = 0;
                    while (running.get()) {
                        for (Map.Entry<Integer, String> e : probeKey.entrySet()) {
                            String id = "probe-" + e.getKey() + "-" + System.nanoTime() + "-" + n++;
                            producer.send(new ProducerRecord<>("events", e.getValue(), WireCodec.encode(new Event(id, e.getValue(),
                                    1_800_000_000_000L + n, Map.of("x1", 1.0, "x2", 1.0, "x3", 1.0), 1.0), WireFormat.AVRO)));
                        }
                        producer.flush();
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException ex) {
                            return;
                        }
                    }
                }, "prober");
                try (KafkaConsumer<String, byte[]> consumer = consumer(broker.bootstrapServers())) {
                    List<TopicPartition> tps = new ArrayList<>();
                    for (int p = 0; p < partitions; p++) {
                        tps.add(new TopicPartition(config.predictionsTopic(), p));
                    }
                    consumer.assign(tps);
                    consumer.seekToEnd(tps);
                    consumer.poll(Duration.ofMillis(100));
                    prober.start();
                    Thread.sleep(5_000); // probes flow before the kill
                    killedAt[0] = System.nanoTime();
                    b.kill();
                    long deadline = killedAt[0] + Duration.ofMinutes(15).toNanos();
                    while (!firstAfterKill.keySet().containsAll(probeKey.keySet()) && System.nanoTime() < deadline) {
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            Prediction pr = WireCodec.decodePrediction(r.value());
                            if (pr.getId().startsWith("probe-")) {
                                long sent = Long.parseLong(pr.getId().split("-")[2]);
                                if (sent > killedAt[0]) {
                                    firstAfterKill.putIfAbsent(r.partition(), System.nanoTime());
                                }
                            }
                        }
                    }
                } finally {
                    running.set(false);
                    prober.join();
                }
                double bMax = 0;
                double bMin = Double.MAX_VALUE;
                double aMax = 0;
                for (int p = 0; p < partitions; p++) {
                    Long t = firstAfterKill.get(p);
                    double s = t == null ? Double.NaN : (t - killedAt[0]) / 1e9;
                    if (bParts.contains(p)) {
                        bMax = Math.max(bMax, s);
                        bMin = Math.min(bMin, s);
                    } else {
                        aMax = Math.max(aMax, s);
                    }
                }
                System.out.println("| keys per instance | standby | partitions (B's) | load (s) | B's keys scored again: first / last partition (s) | A's own partitions, longest gap (s) | RSS of A before kill (MiB) | RSS of A after (MiB) |");
                System.out.println("|---:|---:|---|---:|---:|---:|---:|---:|");
                System.out.printf(Locale.ROOT, "| %,d | %s | %d (%s) | %.0f | %.1f / %.1f | %.1f | %d | %d |%n", keys / 2, standby, partitions,
                        bParts, loadSeconds, bMin, bMax, aMax, rssA / 1024, a.rssKib() / 1024);
                System.out.println("per partition (s after the kill): " + perPartition(firstAfterKill, killedAt[0], partitions));
            }
        }
    }

    /**
     * Writes a learned model state for each of {@code keys} keys straight into the models store's changelog (the
     * partition of the key's events), as the application would after one labelled event per key: a fast way to
     * give the instances millions of keys to restore.
     */
    private static void seedChangelog(EmbeddedKafkaBroker broker, AppConfig config, int partitions, long keys) throws Exception {
        String changelog = config.applicationId() + "-" + config.storeName() + "-changelog";
        try (Admin admin = broker.admin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(changelog, partitions, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        io.streamlearn.streams.score.ScoringStep step = new io.streamlearn.streams.score.ScoringStep(config.featureSpace(), config.models());
        String model = config.models().get(0);
        io.streamlearn.state.InMemoryModelStore store = new io.streamlearn.state.InMemoryModelStore();
        try (KafkaProducer<String, byte[]> producer = Floods.producer(broker.bootstrapServers())) {
            for (long i = 0; i < keys; i++) {
                String key = "key-" + i;
                step.score(key, 1_790_000_000_000L + i, Map.of("x1", 1.0, "x2", (double) (i % 13), "x3", -1.0), 1.0, store,
                        (m, champion, version, mean, stddev) -> { });
                byte[] state = store.get(key, model);
                store.delete(key, model);
                int p = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
                producer.send(new ProducerRecord<>(changelog, p, key + '\u0000' + model, state));
            }
            producer.flush();
        }
    }

    private static String perPartition(Map<Integer, Long> first, long killedAt, int partitions) {
        StringBuilder s = new StringBuilder();
        for (int p = 0; p < partitions; p++) {
            Long t = first.get(p);
            s.append(p).append('=').append(t == null ? "never" : String.format(Locale.ROOT, "%.1f", (t - killedAt) / 1e9)).append(' ');
        }
        return s.toString().trim();
    }

    private static double scored(RunProcess p) {
        return p.metric("streamlearn_events_total", "outcome=\"scored\"");
    }

    /** Waits until the group has two members, B's holding some but not all partitions of {@code events}; returns B's. */
    private static Set<Integer> awaitSplit(Admin admin, String group, String instanceB, int partitions) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            ConsumerGroupDescription d;
            try {
                d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            } catch (java.util.concurrent.ExecutionException e) {
                Thread.sleep(1000); // the group does not exist yet
                continue;
            }
            Set<Integer> b = new TreeSet<>();
            int members = 0;
            for (MemberDescription m : d.members()) {
                members++;
                if (m.groupInstanceId().orElse("").startsWith(instanceB)) {
                    for (TopicPartition tp : m.assignment().topicPartitions()) {
                        if (tp.topic().equals("events")) {
                            b.add(tp.partition());
                        }
                    }
                }
            }
            if (members == 2 && !b.isEmpty() && b.size() < partitions) {
                return b;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the two instances did not share the partitions within 5 minutes");
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
