package io.streamlearn.streams.app;

import io.streamlearn.streams.decode.Timestamps;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * Replays a time range of an events topic through the live topology under a fresh application id, so
 * the models start from nothing and see exactly the events of the range, in each partition's order:
 * <ol>
 *   <li>the records of {@code source} whose timestamp is in {@code [from, to)} are copied, partition by
 *       partition and in order, to a fresh topic {@code <output>-replay-<run>} with the same partition
 *       count (the range is fixed when the replay starts: later records are not included); so are the
 *       records of the labels topic ({@link AppConfig#labelsTopic()}, when it exists) whose timestamp is
 *       in the same range, to {@code <output>-replay-<run>-labels}: delayed labels are joined as they
 *       were live, in timestamp order with the events of their partition (a label whose event lies
 *       before {@code from} is dead-lettered {@code unknown-event}; one observed at or after {@code to}
 *       could change no prediction of the range and is left out);</li>
 *   <li>{@link StreamlearnApp}, the same topology as {@code streamlearn run}, reads those topics under
 *       the application id {@code streamlearn-replay-<run>} with a fresh state directory and writes the
 *       champion's predictions to {@code output}, the others' to {@code output-shadow}, dead letters to
 *       {@code output-dead-letters};</li>
 *   <li>when the application has committed every copied record it is closed, and the copied topics and
 *       the application's internal topics are deleted.</li>
 * </ol>
 * The record timestamp selects the range (the topology's producers set it to the event time; a label's
 * record timestamp is when it was observed).
 *
 * <p>A replay runs exactly the models of its {@code config}: it does not read the live model-control
 * topic (a live change of the default model would otherwise override the model under test), so it
 * never carries out a live forget request nor writes to the live {@code forget-acks} topic. Nothing of
 * the live deployment is written to; only the {@code output*} topics remain after the run.
 *
 * <pre>{@code
 * Replay.Result r = Replay.run(AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "localhost:9092")
 *         .with(AppConfig.MODELS_KEY, "sgd").with(AppConfig.FEATURES_KEY, "a,b"),
 *         "events", from, to, "predictions-replay", Duration.ofMinutes(10));
 * }</pre>
 */
public final class Replay {

    /** What a replay did; {@code threads} is the number of stream threads it ran on. */
    public record Result(String applicationId, String inputTopic, long records, long labelRecords, boolean completed,
                         int threads) {
    }

    private Replay() {
    }

    /** Epoch ms from an ISO-8601 instant or epoch milliseconds, as backtest inputs accept them. */
    public static long parseTime(String text) {
        return Timestamps.parse(text.trim());
    }

    /**
     * @param config the topology's settings (bootstrap servers, models, features, output format); topics,
     *               application id and state directory are replaced
     * @param from   first record timestamp included, epoch ms
     * @param to     first record timestamp excluded, epoch ms
     * @param timeout how long to wait for the application to process the range
     */
    public static Result run(AppConfig config, String source, long from, long to, String output, Duration timeout)
            throws Exception {
        return run(config, source, from, to, output, timeout, null);
    }

    /** Reports how far a replay has come: {@code done} of {@code total} records processed. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    /**
     * {@link #run(AppConfig, String, long, long, String, Duration)}, reporting (to {@code progress}, may be
     * null) how many of the copied records the application has committed.
     */
    public static Result run(AppConfig config, String source, long from, long to, String output, Duration timeout,
                             Progress progress) throws Exception {
        return run(config, source, from, to, output, timeout, progress, 0);
    }

    /**
     * {@link #run(AppConfig, String, long, long, String, Duration, Progress)} on {@code threads} stream
     * threads ({@code num.stream.threads}). Each partition is one stream task, run by one thread at a
     * time in its records' order, so the predictions are the same for any number of threads.
     *
     * @param threads stream threads, or 0 for the config's {@code num.stream.threads} when it sets one,
     *                else {@link #defaultThreads} of the source's partitions
     */
    public static Result run(AppConfig config, String source, long from, long to, String output, Duration timeout,
                             Progress progress, int threads) throws Exception {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
        String run = Long.toString(System.currentTimeMillis(), 36) + "-" + UUID.randomUUID().toString().substring(0, 6);
        String appId = "streamlearn-replay-" + run;
        String input = output + "-replay-" + run;
        String labelsCopy = input + "-labels";
        String bootstrap = config.bootstrapServers();
        if (bootstrap == null) {
            throw new IllegalArgumentException("bootstrap.servers is not set");
        }
        Map<String, String> connection = config.connectionSettings();
        Properties adminProps = new Properties();
        adminProps.putAll(connection);
        Path stateDir = Files.createTempDirectory("streamlearn-replay-");
        try (Admin admin = Admin.create(adminProps)) {
            int partitions = admin.describeTopics(List.of(source)).allTopicNames().get().get(source).partitions().size();
            String labels = config.labelsTopic();
            boolean haveLabels = admin.listTopics().names().get().contains(labels);
            if (haveLabels) {
                int lp = admin.describeTopics(List.of(labels)).allTopicNames().get().get(labels).partitions().size();
                if (lp != partitions) {
                    throw new IllegalArgumentException("the labels topic '" + labels + "' has " + lp
                            + " partitions but '" + source + "' has " + partitions + ": they must be co-partitioned");
                }
            }
            AppConfig replay = config
                    .with(AppConfig.APPLICATION_ID_KEY, appId)
                    .with(AppConfig.STATE_DIR_KEY, stateDir.toString())
                    .with(AppConfig.EVENTS_TOPIC_KEY, input)
                    .with(AppConfig.LABELS_TOPIC_KEY, labelsCopy)
                    .with(AppConfig.CONTROL_TOPIC_KEY, "")
                    .with(AppConfig.PREDICTIONS_TOPIC_KEY, output)
                    .with(AppConfig.SHADOW_PREDICTIONS_TOPIC_KEY, output + "-shadow")
                    .with(AppConfig.DEAD_LETTERS_TOPIC_KEY, output + "-dead-letters");
            if (threads > 0 || config.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG) == null) {
                int n = threads > 0 ? threads : defaultThreads(partitions);
                replay = replay.with(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(n));
            }
            int streamThreads = Integer.parseInt(replay.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG).trim());
            List<NewTopic> topics = new ArrayList<>();
            topics.add(new NewTopic(input, partitions, (short) -1));
            topics.add(new NewTopic(labelsCopy, partitions, (short) -1));
            for (String t : List.of(output, output + "-shadow", output + "-dead-letters")) {
                topics.add(new NewTopic(t, partitions, (short) -1));
            }
            for (NewTopic t : topics) {
                try {
                    admin.createTopics(List.of(t)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException) || t.name().startsWith(input)) {
                        throw e;
                    }
                }
            }
            Map<TopicPartition, Long> copied = copy(connection, source, input, partitions, from, to);
            long records = 0;
            for (long c : copied.values()) {
                records += c;
            }
            Map<TopicPartition, Long> copiedLabels = haveLabels
                    ? copy(connection, labels, labelsCopy, partitions, from, to) : Map.of();
            long labelRecords = 0;
            for (long c : copiedLabels.values()) {
                labelRecords += c;
            }
            Map<TopicPartition, Long> all = new HashMap<>(copied);
            all.putAll(copiedLabels);
            boolean completed;
            try (StreamlearnApp app = new StreamlearnApp(replay)) {
                app.start();
                completed = awaitCommitted(admin, appId, all, timeout, progress);
            }
            Set<String> toDelete = new HashSet<>();
            toDelete.add(input);
            toDelete.add(labelsCopy);
            for (String t : admin.listTopics().names().get()) {
                if (t.startsWith(appId + "-")) {
                    toDelete.add(t);
                }
            }
            admin.deleteTopics(toDelete).all().get();
            return new Result(appId, input, records, labelRecords, completed, streamThreads);
        } finally {
            deleteRecursively(stateDir);
        }
    }

    /** The replay's stream threads by default: one per partition, at most one per processor. */
    public static int defaultThreads(int partitions) {
        return Math.max(1, Math.min(partitions, Runtime.getRuntime().availableProcessors()));
    }

    /** Copies the range; returns the number of records copied per partition of {@code input}. */
    private static Map<TopicPartition, Long> copy(Map<String, String> connection, String source, String input,
                                                  int partitions, long from, long to) {
        Properties c = new Properties();
        c.putAll(connection);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Properties p = new Properties();
        p.putAll(connection);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        Map<TopicPartition, Long> copied = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition(source, i));
                copied.put(new TopicPartition(input, i), 0L);
            }
            consumer.assign(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            Map<TopicPartition, Long> query = new HashMap<>();
            for (TopicPartition tp : tps) {
                query.put(tp, from);
            }
            Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(query);
            Set<TopicPartition> open = new HashSet<>();
            for (TopicPartition tp : tps) {
                OffsetAndTimestamp o = start.get(tp);
                if (o == null || o.offset() >= end.get(tp)) {
                    continue;
                }
                consumer.seek(tp, o.offset());
                open.add(tp);
            }
            consumer.pause(difference(tps, open));
            while (!open.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (!open.contains(tp)) {
                        continue;
                    }
                    if (r.offset() >= end.get(tp)) {
                        open.remove(tp);
                        consumer.pause(List.of(tp));
                        continue;
                    }
                    if (r.timestamp() >= from && r.timestamp() < to) {
                        producer.send(new ProducerRecord<>(input, r.partition(), r.timestamp(), r.key(), r.value(), r.headers()));
                        copied.merge(new TopicPartition(input, r.partition()), 1L, Long::sum);
                    }
                }
                for (TopicPartition tp : new ArrayList<>(open)) {
                    if (consumer.position(tp) >= end.get(tp)) {
                        open.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
            }
            producer.flush();
        }
        return copied;
    }

    private static List<TopicPartition> difference(List<TopicPartition> all, Set<TopicPartition> open) {
        List<TopicPartition> out = new ArrayList<>();
        for (TopicPartition tp : all) {
            if (!open.contains(tp)) {
                out.add(tp);
            }
        }
        return out;
    }

    /** Waits until the application's committed offsets on the copied topics reach their ends. */
    private static boolean awaitCommitted(Admin admin, String appId, Map<TopicPartition, Long> copied,
                                          Duration timeout, Progress progress) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicPartition tp : copied.keySet()) {
            latest.put(tp, OffsetSpec.latest());
        }
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
            boolean done = true;
            long at = 0;
            long total = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                OffsetAndMetadata o = committed.get(e.getKey());
                total += e.getValue();
                at += o == null ? 0 : Math.min(o.offset(), e.getValue());
                // with exactly-once, the committed offset passes the transaction markers too
                if (e.getValue() > 0 && (o == null || o.offset() < e.getValue())) {
                    done = false;
                }
            }
            if (progress != null) {
                progress.update(at, total);
            }
            if (done) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static void deleteRecursively(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
