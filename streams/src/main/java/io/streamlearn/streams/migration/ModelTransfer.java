package io.streamlearn.streams.migration;

import io.streamlearn.schemas.ModelExport;
import io.streamlearn.state.ModelStore;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Export and import of every model of a Streamlearn application, through the compacted changelog
 * topic of its model store, {@code <application.id>-<store>-changelog}, whose keys are
 * {@link ModelStore#storeKey} strings and whose values are {@code StateCodec} bytes.
 * <ul>
 *   <li>{@link #export} reads the changelog from the beginning to its end offsets at start
 *       ({@code read_committed}; the last value per key wins, tombstones remove) and writes one
 *       {@link ModelExport} per model to an Avro object container file (schema embedded).</li>
 *   <li>{@link #importModels} seeds another application: it produces every record of such a file to
 *       that application's changelog (created compacted, with the events topic's partition count,
 *       when missing), each into the partition of its entity key's task, i.e. where the default
 *       partitioner puts the key's events. The target application must be <b>stopped</b> and its
 *       instances' state directories <b>empty</b>: on start Kafka Streams restores the store from the
 *       changelog. A running instance, or one with local state (a checkpoint past the seeded
 *       records), would not see the imported models.</li>
 * </ul>
 *
 * <pre>{@code
 * Map<String, Object> kafka = Map.of("bootstrap.servers", "old-kafka:9092");
 * long n = ModelTransfer.export(kafka, ModelTransfer.changelogTopic("streamlearn", "models"),
 *         Path.of("models.avro"), Duration.ofMinutes(5));
 * // new cluster, application stopped, empty state directories:
 * ModelTransfer.importModels(Map.of("bootstrap.servers", "new-kafka:9092"),
 *         ModelTransfer.changelogTopic("streamlearn", "models"), "events", Path.of("models.avro"));
 * }</pre>
 */
public final class ModelTransfer {

    static {
        // Avro 1.12 refuses to instantiate generated classes it was not told to trust; keep what was
        // trusted before (AvroWire adds the whole schemas package the same way).
        org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate previous =
                org.apache.avro.util.ClassSecurityValidator.getGlobal();
        org.apache.avro.util.ClassSecurityValidator.setGlobal(org.apache.avro.util.ClassSecurityValidator.composite(
                previous, c -> c == ModelExport.class));
    }

    private ModelTransfer() {
    }

    /** The changelog topic Kafka Streams keeps for a store: {@code <applicationId>-<store>-changelog}. */
    public static String changelogTopic(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }

    /**
     * Reads the current content of a store changelog: every live store key with its latest value,
     * sorted by store key.
     *
     * @param kafka   client settings ({@code bootstrap.servers}, security); others are ignored
     * @param timeout how long to keep reading before giving up
     * @throws IllegalStateException if the topic does not exist or is not read to its end in time
     */
    public static List<ModelExport> readChangelog(Map<String, ?> kafka, String topic, Duration timeout) {
        return readChangelog(kafka, topic, timeout, null);
    }

    /** Reports how far a read has come: {@code done} of {@code total} changelog offsets. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    /** {@link #readChangelog(Map, String, Duration)}, reporting its progress (may be null) after each poll. */
    public static List<ModelExport> readChangelog(Map<String, ?> kafka, String topic, Duration timeout, Progress progress) {
        Properties p = clientProperties(kafka);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, byte[]> latest = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("changelog topic '" + topic + "' does not exist (wrong --application-id or --store?)");
            }
            infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(parts, Duration.ofSeconds(30)));
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts, Duration.ofSeconds(30));
            long total = 0;
            for (TopicPartition tp : parts) {
                total += end.get(tp) - begin.get(tp);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reachedEnd(consumer, end)) {
                if (progress != null) {
                    long done = 0;
                    for (TopicPartition tp : parts) {
                        done += Math.min(consumer.position(tp, Duration.ofSeconds(30)), end.get(tp)) - begin.get(tp);
                    }
                    progress.update(done, total);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("did not read '" + topic + "' to its end offsets " + end + " within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Long stop = end.get(new TopicPartition(r.topic(), r.partition()));
                    if (r.offset() >= stop || r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        latest.remove(r.key());
                    } else {
                        latest.put(r.key(), r.value());
                    }
                }
            }
        }
        List<ModelExport> out = new ArrayList<>(latest.size());
        // population priors and the keys' contributions (score.PopulationPriors: a store key or model name
        // starting with U+0000) belong to the task's partition; an import starts them afresh
        latest.forEach((storeKey, state) -> {
            if (!storeKey.startsWith("\u0000") && !ModelStore.modelName(storeKey).startsWith("\u0000")) {
                out.add(new ModelExport(ModelStore.entityKey(storeKey), ModelStore.modelName(storeKey), ByteBuffer.wrap(state)));
            }
        });
        return out;
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), Duration.ofSeconds(30)) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the changelog ({@link #readChangelog}) and writes it to {@code output}.
     *
     * @return how many models were exported
     */
    public static long export(Map<String, ?> kafka, String changelogTopic, Path output, Duration timeout) throws IOException {
        return export(kafka, changelogTopic, output, timeout, null);
    }

    /** {@link #export(Map, String, Path, Duration)}, reporting the read's progress (may be null). */
    public static long export(Map<String, ?> kafka, String changelogTopic, Path output, Duration timeout, Progress progress)
            throws IOException {
        List<ModelExport> models = readChangelog(kafka, changelogTopic, timeout, progress);
        write(models, output);
        return models.size();
    }

    /** Writes models to an Avro object container file (schema embedded, deflate-compressed). */
    public static void write(List<ModelExport> models, Path output) throws IOException {
        try (DataFileWriter<ModelExport> w = new DataFileWriter<>(new SpecificDatumWriter<>(ModelExport.class))) {
            w.setCodec(org.apache.avro.file.CodecFactory.deflateCodec(6));
            w.create(ModelExport.getClassSchema(), output.toFile());
            for (ModelExport m : models) {
                w.append(m);
            }
        }
    }

    /** Reads a file written by {@link #write}. */
    public static List<ModelExport> read(Path input) throws IOException {
        List<ModelExport> out = new ArrayList<>();
        try (DataFileReader<ModelExport> r = new DataFileReader<>(input.toFile(), new SpecificDatumReader<>(ModelExport.class))) {
            while (r.hasNext()) {
                out.add(r.next());
            }
        }
        return out;
    }

    /** The changelog partition of an entity key's task: where the default partitioner puts its events. */
    public static int partitionOf(String entityKey, int partitions) {
        byte[] bytes = new StringSerializer().serialize(null, entityKey);
        return Utils.toPositive(Utils.murmur2(bytes)) % partitions;
    }

    /**
     * Seeds an application's store changelog with the models of a file written by {@link #export}.
     * The application must be stopped and its state directories empty (see the class comment).
     *
     * @param eventsTopic the application's events topic, which must exist: its partition count is
     *                    the number of tasks, hence of changelog partitions
     * @return how many models were imported
     * @throws IllegalStateException if the events topic is missing, or the changelog exists with a
     *                               different partition count
     */
    public static long importModels(Map<String, ?> kafka, String changelogTopic, String eventsTopic, Path input)
            throws IOException, InterruptedException {
        List<ModelExport> models = read(input);
        int partitions;
        try (Admin admin = Admin.create(clientProperties(kafka))) {
            Integer events = partitions(admin, eventsTopic);
            if (events == null) {
                throw new IllegalStateException("events topic '" + eventsTopic + "' does not exist: create it first "
                        + "(its partition count decides the changelog's)");
            }
            Integer changelog = partitions(admin, changelogTopic);
            if (changelog == null) {
                try {
                    admin.createTopics(List.of(new NewTopic(changelogTopic, events, (short) -1)
                                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                            .all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create " + changelogTopic + ": " + e.getCause(), e.getCause());
                    }
                } catch (TimeoutException e) {
                    throw new IllegalStateException("timed out creating " + changelogTopic, e);
                }
            } else if (!changelog.equals(events)) {
                throw new IllegalStateException("changelog '" + changelogTopic + "' has " + changelog + " partitions but '"
                        + eventsTopic + "' has " + events);
            }
            partitions = events;
        }
        Properties p = clientProperties(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(models.size());
            for (ModelExport m : models) {
                ByteBuffer b = m.getState();
                byte[] state = new byte[b.remaining()];
                b.duplicate().get(state);
                sent.add(producer.send(new ProducerRecord<>(changelogTopic, partitionOf(m.getKey(), partitions),
                        ModelStore.storeKey(m.getKey(), m.getModel()), state)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("could not write to " + changelogTopic + ": " + e, e);
                }
            }
        }
        return models.size();
    }

    private static Integer partitions(Admin admin, String topic) throws InterruptedException {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            return d.partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out describing topic " + topic, e);
        }
    }

    /** Only the connection settings: bootstrap, security, SASL, SSL, client.dns.lookup. */
    private static Properties clientProperties(Map<String, ?> kafka) {
        Properties p = new Properties();
        kafka.forEach((k, v) -> {
            if (v != null && (k.startsWith("bootstrap.") || k.startsWith("security.") || k.startsWith("sasl.")
                    || k.startsWith("ssl.") || k.equals(AdminClientConfig.CLIENT_DNS_LOOKUP_CONFIG))) {
                p.put(k, v.toString());
            }
        });
        return p;
    }
}
