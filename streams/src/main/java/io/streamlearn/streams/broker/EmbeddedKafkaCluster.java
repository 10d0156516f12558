package io.streamlearn.streams.broker;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A replicated KRaft cluster in this JVM: {@code n} nodes (node ids 1..n), each a combined broker and
 * controller ({@code process.roles=broker,controller}), the controllers forming one Raft quorum. Every
 * topic, the internal ones included, has replication factor {@code min(3, n)} and
 * {@code min.insync.replicas} {@code min(2, n)} by default, so a cluster of three keeps accepting
 * {@code acks=all} writes (and exactly-once transactions) with one node down. Nodes can be stopped
 * (a clean shutdown: controlled shutdown moves partition leadership first) and restarted on the same
 * ports and log directories, as in a rolling upgrade. For tests and the chaos harness, not production.
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3)) {
 *     cluster.createTopics(4, "events", "labels");
 *     int leader = cluster.activeController();
 *     cluster.stop(leader);              // a new controller is elected among the other two
 *     cluster.restart(leader);
 *     cluster.awaitInSync(Duration.ofSeconds(60));
 * }
 * }</pre>
 * {@link #stop}, {@link #restart} and {@link #close} are synchronized; the rest is thread-safe.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Path dir;
    private final int[] brokerPorts;
    private final List<Properties> configs;
    private final KafkaRaftServer[] servers;
    private final short replication;
    private boolean closed;

    private EmbeddedKafkaCluster(Path dir, int[] brokerPorts, List<Properties> configs, short replication) {
        this.dir = dir;
        this.brokerPorts = brokerPorts;
        this.configs = configs;
        this.servers = new KafkaRaftServer[brokerPorts.length];
        this.replication = replication;
    }

    /** Starts {@code nodes} combined broker-controller nodes with the default settings. */
    public static EmbeddedKafkaCluster start(int nodes) {
        return start(nodes, Map.of());
    }

    /**
     * Starts a cluster and waits until every node is registered.
     *
     * @param nodes     1 or more; 3 for a quorum that survives the loss of one node
     * @param overrides broker settings applied to every node after the defaults
     * @throws IllegalStateException if a node cannot be formatted or started
     */
    public static EmbeddedKafkaCluster start(int nodes, Map<String, String> overrides) {
        if (nodes < 1) {
            throw new IllegalArgumentException("nodes must be >= 1, got " + nodes);
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("streamlearn-kafka-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster's temporary directory", e);
        }
        EmbeddedKafkaCluster cluster = null;
        try {
            int[] brokerPorts = new int[nodes];
            int[] controllerPorts = new int[nodes];
            StringJoiner voters = new StringJoiner(",");
            for (int i = 0; i < nodes; i++) {
                brokerPorts[i] = freePort();
                controllerPorts[i] = freePort();
                voters.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
            }
            short rf = (short) Math.min(3, nodes);
            String minIsr = Integer.toString(Math.min(2, nodes));
            String clusterId = Uuid.randomUuid().toString();
            List<Properties> configs = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                Path logDir = dir.resolve("node-" + (i + 1));
                Properties p = EmbeddedKafkaBroker.brokerProperties(logDir, brokerPorts[i], controllerPorts[i]);
                p.put("node.id", Integer.toString(i + 1));
                p.put("controller.quorum.voters", voters.toString());
                p.put("default.replication.factor", Short.toString(rf));
                p.put("min.insync.replicas", minIsr);
                p.put("offsets.topic.replication.factor", Short.toString(rf));
                p.put("transaction.state.log.replication.factor", Short.toString(rf));
                p.put("transaction.state.log.min.isr", minIsr);
                p.put("share.coordinator.state.topic.replication.factor", Short.toString(rf));
                p.put("share.coordinator.state.topic.min.isr", minIsr);
                // a stopped node is noticed within 3 s (default 9 s), a replica leaves the ISR after 5 s (30 s)
                p.put("broker.session.timeout.ms", "3000");
                p.put("broker.heartbeat.interval.ms", "500");
                p.put("replica.lag.time.max.ms", "5000");
                p.putAll(overrides);
                format(logDir, i + 1, clusterId, voters.toString());
                configs.add(p);
            }
            cluster = new EmbeddedKafkaCluster(dir, brokerPorts, configs, rf);
            // the nodes wait for a controller quorum while starting up: start them together
            List<Thread> starters = new ArrayList<>();
            List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < nodes; i++) {
                int node = i + 1;
                EmbeddedKafkaCluster c = cluster;
                Thread t = new Thread(() -> {
                    try {
                        c.startNode(node);
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }, "start-kafka-node-" + node);
                t.start();
                starters.add(t);
            }
            for (Thread t : starters) {
                t.join();
            }
            if (!failures.isEmpty()) {
                throw failures.get(0);
            }
            cluster.awaitBrokers(nodes, Duration.ofSeconds(90));
            LOG.info("Embedded Kafka cluster of {} nodes ready at {} (data in {})", nodes, cluster.bootstrapServers(), dir);
            return cluster;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(cluster, dir);
            throw new IllegalStateException("interrupted while starting the cluster", e);
        } catch (RuntimeException e) {
            closeQuietly(cluster, dir);
            throw e;
        } catch (Exception e) {
            closeQuietly(cluster, dir);
            throw new IllegalStateException("cannot start the embedded Kafka cluster: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(EmbeddedKafkaCluster cluster, Path dir) {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (RuntimeException ignored) {
                // the start failure is what matters
            }
        } else {
            EmbeddedKafkaBroker.deleteRecursively(dir);
        }
    }

    private void startNode(int node) {
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(configs.get(node - 1), false), Time.SYSTEM);
        server.startup();
        synchronized (this) {
            servers[node - 1] = server;
        }
    }

    private static void format(Path logDir, int nodeId, String clusterId, String voters) throws Exception {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        new Formatter()
                .setPrintStream(quiet)
                .setClusterId(clusterId)
                .setNodeId(nodeId)
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .run();
    }

    /** Every node's {@code 127.0.0.1:PORT}, comma-separated, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        StringJoiner j = new StringJoiner(",");
        for (int port : brokerPorts) {
            j.add("127.0.0.1:" + port);
        }
        return j.toString();
    }

    /** The number of nodes, running or stopped. */
    public int size() {
        return brokerPorts.length;
    }

    /** The replication factor of topics created by {@link #createTopics}: {@code min(3, size())}. */
    public short replicationFactor() {
        return replication;
    }

    /** The ids of the nodes running now. */
    public synchronized Set<Integer> runningNodes() {
        Set<Integer> out = new TreeSet<>();
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] != null) {
                out.add(i + 1);
            }
        }
        return out;
    }

    /** An admin client for the cluster (every node as bootstrap); the caller closes it. */
    public Admin admin() {
        return admin(bootstrapServers());
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        return Admin.create(p);
    }

    /** The node id of the active controller (the Raft quorum's leader). */
    public int activeController() {
        try (Admin admin = admin()) {
            return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the metadata quorum: " + e, e);
        }
    }

    /** Stops a node cleanly (controlled shutdown of its broker, then its controller); its data stays. */
    public synchronized void stop(int node) {
        KafkaRaftServer server = servers[node - 1];
        if (server == null) {
            throw new IllegalStateException("node " + node + " is not running");
        }
        servers[node - 1] = null;
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Kafka node {} stopped", node);
    }

    /** Starts a stopped node again on its ports and log directory. */
    public synchronized void restart(int node) {
        if (servers[node - 1] != null) {
            throw new IllegalStateException("node " + node + " is running");
        }
        startNode(node);
        LOG.info("Kafka node {} restarted", node);
    }

    /**
     * Creates topics with {@link #replicationFactor()} replicas (topics that exist are left alone) and
     * waits until every partition has a leader.
     */
    public void createTopics(int partitions, String... topics) {
        createTopics(partitions, List.of(topics), Map.of());
    }

    /** As {@link #createTopics(int, String...)}, with topic configs (e.g. {@code cleanup.policy}). */
    public void createTopics(int partitions, Collection<String> topics, Map<String, String> configs) {
        List<NewTopic> news = new ArrayList<>();
        for (String t : topics) {
            news.add(new NewTopic(t, partitions, replication).configs(configs));
        }
        try (Admin admin = admin()) {
            for (Map.Entry<String, KafkaFuture<Void>> e : admin.createTopics(news).values().entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                    }
                }
            }
            // every running node must know the leaders: a client asks any of them (Kafka Streams' global
            // thread fails at start when the node it asks does not know the topic yet)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int node : runningNodes()) {
                try (Admin one = admin("127.0.0.1:" + brokerPorts[node - 1])) {
                    while (!allPartitions(one, topics, p -> p.leader() != null && !p.leader().isEmpty())) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("topics " + topics + " have partitions without a leader on node "
                                    + node + " after 60 s");
                        }
                        Thread.sleep(50);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + topics, e);
        }
    }

    /**
     * Waits until every partition of every topic (internal ones included) has all its replicas in
     * sync: after a restart, before the next node may go down without leaving a partition below
     * {@code min.insync.replicas}.
     *
     * @return how long it took
     * @throws IllegalStateException if that does not happen within {@code timeout}
     */
    public Duration awaitInSync(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                try {
                    Set<String> topics = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                            .names().get(10, TimeUnit.SECONDS);
                    if (allPartitions(admin, topics, p -> p.isr().size() == p.replicas().size())) {
                        return Duration.ofNanos(System.nanoTime() - start);
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    // a node is coming back; ask again
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        throw new IllegalStateException("partitions still under-replicated after " + timeout);
    }

    private static boolean allPartitions(Admin admin, Collection<String> topics,
                                         java.util.function.Predicate<TopicPartitionInfo> check)
            throws InterruptedException, TimeoutException {
        try {
            Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            return d.values().stream().allMatch(t -> !t.partitions().isEmpty() && t.partitions().stream().allMatch(check));
        } catch (ExecutionException notVisibleYet) {
            return false;
        }
    }

    private void awaitBrokers(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin()) {
                if (admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= n) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the cluster did not register " + n + " brokers within " + timeout, last);
    }

    /** Stops every running node and deletes the data. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // in parallel: one after the other, the last nodes would wait for a controller quorum that is gone
            List<Thread> stoppers = new ArrayList<>();
            for (KafkaRaftServer s : servers) {
                if (s != null) {
                    Thread t = new Thread(() -> {
                        s.shutdown();
                        s.awaitShutdown();
                    }, "stop-kafka-node");
                    t.start();
                    stoppers.add(t);
                }
            }
            for (Thread t : stoppers) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(120));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } finally {
            java.util.Arrays.fill(servers, null);
            EmbeddedKafkaBroker.deleteRecursively(dir);
        }
        LOG.info("Embedded Kafka cluster at {} stopped", bootstrapServers());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
