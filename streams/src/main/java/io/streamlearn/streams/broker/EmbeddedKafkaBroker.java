package io.streamlearn.streams.broker;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka broker running in this JVM: KRaft mode, combined broker and controller roles,
 * one PLAINTEXT listener on {@code 127.0.0.1} and a controller listener, both on free ports, its log
 * in a fresh temporary directory deleted on {@link #close()}. Internal topics (consumer offsets,
 * transaction state) have replication factor 1 and min ISR 1, so exactly-once Kafka Streams
 * applications work against it. Used by {@code streamlearn run} without {@code --bootstrap-servers},
 * by {@code streamlearn demo} and {@code streamlearn broker}, by the integration tests and by the
 * benchmarks. Not for production: one node, no security, no durability beyond the process.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
 *     broker.createTopics(1, "events", "predictions");
 *     String bootstrap = broker.bootstrapServers();   // "127.0.0.1:PORT"
 *     // ... producers, consumers, Kafka Streams ...
 * }
 * }</pre>
 *
 * Thread-safe after {@link #start()}; {@link #close()} is idempotent.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final int port;
    private final KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafkaBroker(Path dataDir, boolean deleteDataDirOnClose, int port, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        this.port = port;
        this.server = server;
    }

    /** Starts a broker on a free port with its data in a fresh temporary directory. */
    public static EmbeddedKafkaBroker start() {
        return start(0, Map.of());
    }

    /**
     * Starts a broker.
     *
     * @param port      the PLAINTEXT port, or 0 for a free one
     * @param overrides broker settings that replace the defaults (e.g. {@code num.partitions}); may be empty
     * @throws IllegalStateException if the broker cannot be formatted or started
     */
    public static EmbeddedKafkaBroker start(int port, Map<String, String> overrides) {
        Path dir;
        try {
            dir = Files.createTempDirectory("streamlearn-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's temporary directory", e);
        }
        try {
            int brokerPort = port == 0 ? freePort() : port;
            int controllerPort = freePort();
            Path logDir = dir.resolve("log");
            Properties props = brokerProperties(logDir, brokerPort, controllerPort);
            props.putAll(overrides);
            keepControllerListener(props, controllerPort);
            format(logDir);
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, true, brokerPort, server);
            broker.awaitReady(Duration.ofSeconds(60));
            LOG.info("Embedded Kafka broker ready at {} (data in {})", broker.bootstrapServers(), dir);
            return broker;
        } catch (RuntimeException e) {
            deleteRecursively(dir);
            throw e;
        } catch (Exception e) {
            deleteRecursively(dir);
            throw new IllegalStateException("cannot start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    static Properties brokerProperties(Path logDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        // Small segments and no fsync: this broker lives in a temporary directory.
        p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        return p;
    }

    /**
     * Overrides may replace {@code listeners} and {@code listener.security.protocol.map}, e.g. to add a
     * SASL listener beside the PLAINTEXT one (which must stay on {@code port}: it serves {@link #admin()});
     * the controller listener, on a port only this class knows, is put back into both.
     */
    private static void keepControllerListener(Properties props, int controllerPort) {
        String listeners = props.getProperty("listeners");
        if (!listeners.contains(CONTROLLER_LISTENER + "://")) {
            props.put("listeners", listeners + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        }
        String map = props.getProperty("listener.security.protocol.map");
        if (!map.contains(CONTROLLER_LISTENER + ":")) {
            props.put("listener.security.protocol.map", map + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
        }
    }

    private static void format(Path logDir) throws Exception {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        new Formatter()
                .setPrintStream(quiet)
                .setClusterId(Uuid.randomUuid().toString())
                .setNodeId(NODE_ID)
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .run();
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin()) {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the embedded broker did not become ready within " + timeout, last);
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The PLAINTEXT port. */
    public int port() {
        return port;
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        return Admin.create(p);
    }

    /**
     * Creates topics with replication factor 1; topics that already exist are left as they are.
     *
     * @param partitions partitions per topic, at least 1
     */
    public void createTopics(int partitions, String... topics) {
        createTopics(partitions, List.of(topics));
    }

    /** As {@link #createTopics(int, String...)}. */
    public void createTopics(int partitions, Collection<String> topics) {
        List<NewTopic> news = new ArrayList<>();
        for (String t : topics) {
            news.add(new NewTopic(t, partitions, (short) 1));
        }
        try (Admin admin = admin()) {
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e : admin.createTopics(news).values().entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                    }
                }
            }
            awaitLeaders(admin, topics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + topics, e);
        }
    }

    /**
     * Waits (up to 30 s) until this broker leads every partition of {@code topics}. A producer that starts
     * before that gets NOT_LEADER_OR_FOLLOWER on its first batches; on a starved machine an idempotent
     * producer's retry of such a batch was seen to loop on OUT_OF_ORDER_SEQUENCE_NUMBER (CrashRecoveryIT,
     * 2026-12-02, load 20 on 2 cores), so callers get topics that are ready.
     */
    private void awaitLeaders(Admin admin, Collection<String> topics) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                Map<String, org.apache.kafka.clients.admin.TopicDescription> d =
                        admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
                if (d.values().stream().allMatch(t -> !t.partitions().isEmpty()
                        && t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
                    // the metadata names a leader before the broker serves as one: ask the partitions
                    // themselves (ListOffsets is answered by the leader only)
                    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
                    d.values().forEach(t -> t.partitions().forEach(p -> latest.put(
                            new org.apache.kafka.common.TopicPartition(t.name(), p.partition()),
                            org.apache.kafka.clients.admin.OffsetSpec.latest())));
                    admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
                    return;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException notYet) {
                // metadata not visible, or a partition not led, yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("topics " + topics + " have partitions without a leader after 30 s");
    }

    /** Stops the broker and deletes its data. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (deleteDataDirOnClose) {
                deleteRecursively(dataDir);
            }
        }
        LOG.info("Embedded Kafka broker at 127.0.0.1:{} stopped", port);
    }

    /** Blocks until the broker has shut down (from {@link #close()} on another thread). */
    public void awaitShutdown() {
        server.awaitShutdown();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete the broker's directory {}: {}", dir, e.toString());
        }
    }
}
