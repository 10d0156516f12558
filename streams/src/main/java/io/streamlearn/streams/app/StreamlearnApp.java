package io.streamlearn.streams.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.SchemaRegistryClient;
import io.streamlearn.state.rocksdb.BoundedMemoryRocksDBConfig;
import io.streamlearn.streams.publish.ConfluentOutputSerializer;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.topology.StreamlearnTopology;
import io.streamlearn.streams.decode.ContinueOnDeserializationError;
import io.streamlearn.streams.publish.ContinueOnProcessingError;
import io.streamlearn.streams.publish.ContinueOnRecordProductionError;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One running Streamlearn application: the {@link StreamlearnTopology} inside a {@link KafkaStreams}
 * instance configured so that no single record can stop it:
 * <ul>
 *   <li>bad inputs become dead letters (the processor's job);</li>
 *   <li>deserialization, processing and production errors on one record are counted and skipped
 *       ({@code topology.errors});</li>
 *   <li>a stream thread that dies anyway is replaced ({@code REPLACE_THREAD}).</li>
 * </ul>
 * Exactly-once ({@code exactly_once_v2}) unless the config says {@code at_least_once}. Given a
 * {@link MeterRegistry}, the processors count into its {@link StreamlearnMeters} and the sizes of the
 * models and pending-labels stores are gauged (Kafka Streams' own client metrics are bound by
 * {@code StreamlearnMetrics#bindKafkaStreams}, which the HTTP endpoint calls).
 *
 * <pre>{@code
 * AppConfig config = AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "localhost:9092");
 * try (StreamlearnApp app = new StreamlearnApp(config)) {
 *     app.start();
 *     app.awaitRunning(Duration.ofSeconds(60));
 *     // ... until shutdown
 * }
 * try (StreamlearnMetrics metrics = new StreamlearnMetrics();
 *      StreamlearnApp app = new StreamlearnApp(config, metrics.registry())) {   // streamlearn_* meters
 *     app.start();
 * }
 * }</pre>
 */
public final class StreamlearnApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamlearnApp.class);

    private final AppConfig config;
    private final SkippedRecords skipped = new SkippedRecords();
    /** The events topic's partition count, learnt at {@link #start}; forget requests wait while it is 0. */
    private final java.util.concurrent.atomic.AtomicInteger eventPartitions = new java.util.concurrent.atomic.AtomicInteger();
    private final StreamlearnMeters meters;
    private final Topology topology;
    private final KafkaStreams streams;
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile boolean closed;
    private final RestoringPartitions restoring = new RestoringPartitions();

    /** Counts the store partitions whose restoration from the changelog has started and not ended. */
    private static final class RestoringPartitions implements org.apache.kafka.streams.processor.StateRestoreListener {
        private final java.util.Set<org.apache.kafka.common.TopicPartition> active = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.concurrent.atomic.LongAdder restored = new java.util.concurrent.atomic.LongAdder();

        @Override
        public void onRestoreStart(org.apache.kafka.common.TopicPartition partition, String store, long startOffset, long endOffset) {
            active.add(partition);
            if (endOffset > startOffset) {
                LOG.info("Restoring {} from {} (offsets {} to {})", store, partition, startOffset, endOffset);
            }
        }

        @Override
        public void onBatchRestored(org.apache.kafka.common.TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        }

        @Override
        public void onRestoreEnd(org.apache.kafka.common.TopicPartition partition, String store, long totalRestored) {
            active.remove(partition);
            restored.add(totalRestored);
            if (totalRestored > 0) {
                LOG.info("Restored {} from {}: {} records", store, partition, totalRestored);
            }
        }

        @Override
        public void onRestoreSuspended(org.apache.kafka.common.TopicPartition partition, String store, long totalRestored) {
            active.remove(partition);
            restored.add(totalRestored);
        }
    }

    /**
     * @throws IllegalArgumentException if the config has no {@code bootstrap.servers}
     */
    public StreamlearnApp(AppConfig config) {
        this(config, StreamlearnMeters.noop());
    }

    /**
     * An application whose processors count into {@link StreamlearnMeters} on {@code registry}, with
     * gauges of its store sizes.
     *
     * @throws IllegalArgumentException if the config has no {@code bootstrap.servers}
     */
    public StreamlearnApp(AppConfig config, MeterRegistry registry) {
        this(config, new StreamlearnMeters(registry));
    }

    private StreamlearnApp(AppConfig config, StreamlearnMeters meters) {
        if (config.bootstrapServers() == null) {
            throw new IllegalArgumentException("bootstrap.servers is not set");
        }
        this.config = config;
        this.meters = meters;
        this.topology = StreamlearnTopology.build(config.topologySettings()
                .withSkipped(skipped).withEventPartitions(eventPartitions::get).withMeters(meters));
        this.streams = new KafkaStreams(topology, streamsProperties(config, skipped));
        if (meters != StreamlearnMeters.noop()) {
            meters.bindStores(streams, config.storeName(), config.pendingStoreName());
        }
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("A stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setGlobalStateRestoreListener(restoring);
        streams.setStateListener((now, before) -> {
            LOG.info("Kafka Streams state {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
    }

    /**
     * The Kafka Streams properties for a config: Streamlearn's defaults (exception handlers, a short
     * commit interval for exactly-once latency, no record cache, one standby replica), then every non-{@code streamlearn.*}
     * setting of the config, which wins over those defaults; the exception handlers count into {@code skipped}.
     */
    public static Properties streamsProperties(AppConfig config, SkippedRecords skipped) {
        Properties p = new Properties();
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, ContinueOnDeserializationError.class.getName());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ContinueOnProcessingError.class.getName());
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ContinueOnRecordProductionError.class.getName());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        // No record cache: with many more keys than it holds it only costs (1.2-1.8x slower with 200,000
        // keys against 10 MB), and all state memory stays in the one RocksDB budget below. Few hot keys gain
        // from one (statestore.cache.max.bytes=10485760): see deploy/streamlearn.properties.
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        // A warm copy of every task's stores on another instance: after a crash the survivor resumes the dead
        // instance's keys right after the session timeout instead of first restoring their whole changelog,
        // which grows with the keys (bench/results/failover.md). Costs a second copy of the state; no effect
        // with one instance. num.standby.replicas=0 turns it off.
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "1");
        // One bounded off-heap budget for all RocksDB stores; its knobs are streamlearn.rocksdb.* settings.
        // streamlearn.rocksdb.bounded=false keeps Kafka Streams' own per-store RocksDB settings.
        if (!"false".equalsIgnoreCase(config.get("streamlearn.rocksdb.bounded"))) {
            p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDBConfig.class.getName());
        }
        for (Map.Entry<String, String> e : config.values().entrySet()) {
            if (e.getKey().startsWith("streamlearn.rocksdb.")) {
                p.put(e.getKey(), e.getValue());
            }
        }
        // Static membership: Kafka Streams 4.1 sends no LeaveGroup for a dynamic member on close, so a
        // restarted instance would wait for the old member's session to time out (45 s) before it gets its
        // tasks; a static member is removed on close (CloseOptions.leaveGroup) and replaced on restart.
        String instanceId = staticInstanceId(config);
        if (instanceId != null) {
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        for (Map.Entry<String, String> e : config.kafkaSettings().entrySet()) {
            p.put(e.getKey(), e.getValue());
        }
        p.put(SkippedRecords.CONFIG_KEY, skipped);
        return p;
    }

    /**
     * The {@code group.instance.id} Streamlearn gives an instance (Kafka Streams appends each stream
     * thread's index): {@code <application.id>-<host>-<8 hex digits of the state directory's absolute
     * path>}, the host from {@code $HOSTNAME} (a Kubernetes pod's name) or the local host name, every
     * character outside {@code [A-Za-z0-9._-]} replaced by {@code -}. Null when
     * {@link AppConfig#STATIC_MEMBERSHIP_KEY} is {@code false}, when the config sets a
     * {@code group.instance.id} itself, or with {@code group.protocol=streams} (no static members there).
     * Two instances can share neither a state directory nor, therefore, an id.
     */
    public static String staticInstanceId(AppConfig config) {
        if ("false".equalsIgnoreCase(config.get(AppConfig.STATIC_MEMBERSHIP_KEY))
                || "streams".equalsIgnoreCase(config.get("group.protocol"))) {
            return null;
        }
        for (String k : new String[] {ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "consumer." + ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                "main.consumer." + ConsumerConfig.GROUP_INSTANCE_ID_CONFIG}) {
            if (config.get(k) != null && !config.get(k).isBlank()) {
                return null;
            }
        }
        String stateDir = config.get(AppConfig.STATE_DIR_KEY);
        if (stateDir == null || stateDir.isBlank()) {
            stateDir = System.getProperty("java.io.tmpdir") + java.io.File.separator + "kafka-streams";   // Kafka Streams' default
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(java.nio.file.Path.of(stateDir).toAbsolutePath().normalize().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String id = config.applicationId() + "-" + hostName() + "-" + String.format("%08x", crc.getValue());
        id = id.replaceAll("[^A-Za-z0-9._-]", "-");
        return id.length() > 200 ? id.substring(id.length() - 200) : id;
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h.trim();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | SecurityException e) {
            return "localhost";
        }
    }

    /**
     * Starts processing (returns immediately), after creating the labels and control topics if they
     * are missing (see {@link TopicSetup#requireCopartitioned(AppConfig)}).
     *
     * @throws IllegalStateException if the labels topic is partitioned differently from the events topic
     */
    public void start() {
        LOG.info("Starting Streamlearn: application.id={}, models={}, features={}, output={}, guarantee={}, events from '{}', "
                        + "group.instance.id={}", config.applicationId(), config.models(), config.featureSpace(),
                config.confluentOutput() ? AppConfig.CONFLUENT_AVRO : config.outputFormat(),
                config.processingGuarantee(), config.eventsTopic(), staticInstanceId(config));
        if (!config.eventMapping().isDefault() || !config.labelMapping().isDefault()) {
            LOG.info("Field mapping: events {}, labels {}", config.eventMapping(), config.labelMapping());
        }
        eventPartitions.set(TopicSetup.requireCopartitioned(config));
        if (config.confluentOutput()) {
            // Register the output schemas now: a registry that refuses them fails the start, not the first record.
            List<String> predictionTopics = config.shadowEnabled()
                    ? List.of(config.predictionsTopic(), config.shadowPredictionsTopic()) : List.of(config.predictionsTopic());
            new ConfluentOutputSerializer(new ConfluentCodec(new SchemaRegistryClient(config.registry())))
                    .registerAll(predictionTopics, config.deadLettersTopic());
            List<String> subjects = new java.util.ArrayList<>();
            predictionTopics.forEach(t -> subjects.add(t + "-value"));
            subjects.add(config.deadLettersTopic() + "-value");
            LOG.info("Output in the Confluent wire format: schemas registered under the subjects {} at {}", subjects,
                    config.registry().urls());
        }
        streams.start();
    }

    /**
     * Waits until the application is RUNNING (all tasks assigned and restored).
     *
     * @return false if it did not get there in time
     */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the application has been RUNNING at least once (its first tasks assigned and restored). */
    public boolean hasBeenRunning() {
        return running.getCount() == 0;
    }

    /** The Kafka Streams instance, for interactive queries (the HTTP endpoint) and metrics. */
    public KafkaStreams streams() {
        return streams;
    }

    /**
     * Changelog partitions of this instance's active tasks being restored right now (also the global
     * model-control store while it loads); 0 once every active task has caught up.
     */
    public int restoringPartitions() {
        return restoring.active.size();
    }

    /** Changelog records restored into this instance's stores since it started (finished restorations). */
    public long restoredRecords() {
        return restoring.restored.sum();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public AppConfig config() {
        return config;
    }

    public Topology topology() {
        return topology;
    }

    /** The meters the processors count into ({@link StreamlearnMeters#noop()} without a registry). */
    public StreamlearnMeters meters() {
        return meters;
    }

    /** Records not scored so far, by reason (dead letters and skipped records). */
    public SkippedRecords skippedRecords() {
        return skipped;
    }

    /**
     * Stops processing, commits, closes the stores and asks to leave the consumer group, so that a
     * restarted instance need not wait for the session timeout; waits up to 30 s. Idempotent. (With
     * Kafka 4.1.1 the stream thread's consumer does not always send the LeaveGroup request; the group
     * then waits for {@code session.timeout.ms}, 45 s by default, before a new instance gets the tasks.)
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public synchronized void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        if (meters != StreamlearnMeters.noop()) {
            meters.close();
        }
        if (!streams.close(new KafkaStreams.CloseOptions().timeout(timeout).leaveGroup(true))) {
            LOG.warn("Kafka Streams did not close within {}", timeout);
        }
        LOG.info("Streamlearn stopped; records not scored, by reason: {}", skipped.snapshot());
    }
}
