package io.streamlearn.streams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.streamlearn.state.rocksdb.BoundedMemoryRocksDBConfig;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.cli.RunCommand;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks that the Kubernetes manifests in {@code deploy/k8s}, {@code deploy/k8s-plain} and the image profile (Jib) agree with
 * each other and with the code they start, without a cluster or docker: the manifests are read as YAML,
 * the ConfigMap's properties go through {@link AppConfig#load} (what {@code --config} uses), and the
 * container's arguments are parsed by picocli against the real {@link RunCommand} (parsed, never run).
 * What it cannot check: that the cluster accepts the objects, that pods start (the image itself:
 * ImageTarballIT, with -Pimage).
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("../deploy");
    private static final Path K8S = DEPLOY.resolve("k8s");
    private static final YAMLMapper YAML = new YAMLMapper();
    /** Sample values for the downward API fields the container's env may use. */
    private static final String SAMPLE_NAMESPACE = "default";
    /** Resident memory of RocksDB per byte of its bounded budget (deploy/streamlearn.properties, bench/results/state.md). */
    private static final double ROCKSDB_RESIDENT_FACTOR = 1.6;
    /** The JVM's own native memory besides the heap: metaspace, code cache, thread stacks, GC, NIO buffers. */
    private static final long JVM_NATIVE_ALLOWANCE = 256L << 20;
    /** StreamlearnApp.close() waits up to 30 s for Kafka Streams; the pod must not be killed before. */
    private static final int MIN_GRACE_SECONDS = 45;

    private static Map<String, List<JsonNode>> byKind;
    private static JsonNode statefulSet;
    private static JsonNode pod;
    private static JsonNode container;
    private static JsonNode configMap;
    private static List<String> rawArgs;
    private static List<String> args;
    private static ParseResult parsed;

    @TempDir
    Path tmp;

    @BeforeAll
    static void readManifests() throws IOException {
        byKind = new HashMap<>();
        for (String file : kustomizationResources()) {
            Path p = K8S.resolve(file);
            assertTrue(Files.isRegularFile(p), "kustomization.yaml lists " + file + ", which does not exist in " + K8S);
            List<JsonNode> docs = readYamlDocuments(p);
            assertFalse(docs.isEmpty(), file + " holds no resource");
            for (JsonNode doc : docs) {
                for (String field : List.of("apiVersion", "kind")) {
                    assertTrue(doc.path(field).isTextual(), file + ": a resource without " + field);
                }
                assertTrue(doc.path("metadata").path("name").isTextual(), file + ": a resource without metadata.name");
                byKind.computeIfAbsent(doc.get("kind").asText(), k -> new ArrayList<>()).add(doc);
            }
        }
        statefulSet = only("StatefulSet");
        pod = statefulSet.path("spec").path("template");
        JsonNode containers = pod.path("spec").path("containers");
        assertEquals(1, containers.size(), "one container in the StatefulSet's pod");
        container = containers.get(0);
        configMap = only("ConfigMap");
        rawArgs = new ArrayList<>();
        for (JsonNode a : container.path("args")) {
            // kubectl refuses a number in args (Container.args is []string): "8080" must be quoted
            assertTrue(a.isTextual(), "container args must all be strings; quote " + a);
            rawArgs.add(a.asText());
        }
        args = new ArrayList<>();
        for (String a : rawArgs) {
            args.add(expandEnv(a));
        }
        assertTrue(!args.isEmpty() && args.get(0).equals("run"), "the container must run `streamlearn run`: " + args);
        parsed = new CommandLine(new RunCommand()).parseArgs(args.subList(1, args.size()).toArray(new String[0]));
    }

    // ---- kustomization and files

    @Test
    void shouldListEveryManifestOfTheDirectoryInTheKustomization() throws IOException {
        TreeSet<String> onDisk = new TreeSet<>();
        try (Stream<Path> files = Files.list(K8S)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> (n.endsWith(".yaml") || n.endsWith(".yml")) && !n.startsWith("kustomization."))
                    .forEach(onDisk::add);
        }
        assertEquals(onDisk, new TreeSet<>(kustomizationResources()),
                "every manifest in deploy/k8s must be listed in kustomization.yaml (or kubectl apply -k skips it)");
        for (String kind : List.of("ConfigMap", "StatefulSet", "Service", "PodDisruptionBudget")) {
            assertTrue(byKind.containsKey(kind), "no " + kind + " among the manifests");
        }
        assertFalse(byKind.containsKey("Secret"), "the token Secret is created by hand (kubectl create secret), never committed");
    }

    @Test
    void shouldPointTheKustomizationImageAtTheContainer() throws IOException {
        String image = container.path("image").asText();
        String name = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
        JsonNode images = YAML.readTree(K8S.resolve("kustomization.yaml").toFile()).path("images");
        boolean matched = false;
        for (JsonNode i : images) {
            matched |= i.path("name").asText().equals(name);
        }
        assertTrue(images.isEmpty() || matched, "kustomization images: must name the container's image " + name
                + " (kustomize ignores an entry that matches nothing)");
    }

    // ---- the ConfigMap's properties

    @Test
    void shouldLoadTheConfigMapPropertiesAsTheConfigOptionDoes() throws Exception {
        AppConfig fileOnly = AppConfig.load(writeConfigMapProperties());
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, fileOnly.processingGuarantee());
        AppConfig effective = effectiveConfig();
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, effective.processingGuarantee(), "the command line must not lower the guarantee");
        int standbys = Integer.parseInt(effective.kafkaSettings().getOrDefault(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "0"));
        assertTrue(standbys >= 1, "num.standby.replicas must be >= 1, got " + standbys);
        int replicas = statefulSet.path("spec").path("replicas").asInt(1);
        assertTrue(replicas > standbys, "a standby replica lives on another instance: " + replicas
                + " replicas cannot hold " + standbys + " standby copies besides the active one");
        assertNotNull(effective.bootstrapServers(), "bootstrap.servers must be set (else `run` starts an embedded broker)");
        assertTrue(effective.bootstrapServers().matches("[^\\s$()]+:\\d+(,[^\\s$()]+:\\d+)*"),
                "bootstrap servers after $(VAR) expansion: " + effective.bootstrapServers());
    }

    @Test
    void shouldMountTheConfigFileThatTheConfigOptionNames() {
        Path configFile = Path.of(option("--config"));
        JsonNode volume = volumeMountedAbove(configFile);
        JsonNode cm = volume.path("configMap");
        assertTrue(cm.isObject(), "--config " + configFile + " must be on a ConfigMap volume");
        assertEquals(configMap.path("metadata").path("name").asText(), cm.path("name").asText(), "the volume's ConfigMap");
        String relative = Path.of(mountOf(volume.get("name").asText()).path("mountPath").asText()).relativize(configFile).toString();
        String key = relative;
        for (JsonNode item : cm.path("items")) {
            if (item.path("path").asText().equals(relative)) {
                key = item.path("key").asText();
            }
        }
        assertTrue(configMap.path("data").has(key), "--config " + configFile + " reads ConfigMap key '" + key + "', which is missing");
    }

    // ---- the command line

    @Test
    void shouldParseTheContainerArgumentsWithTheRunCommand() {
        assertTrue(parsed.unmatched().isEmpty(), "unknown arguments: " + parsed.unmatched());
        assertFalse(container.has("command"), "command would replace the image's java -jar entry point");
        for (String raw : rawArgs) {
            assertFalse(expandEnv(raw).contains("$("), "unexpanded variable in " + raw);
        }
        for (String option : List.of("--config", "--bootstrap-servers", "--state-dir", "--http-port", "--http-bind",
                "--http-advertised-host", "--http-token-file")) {
            assertTrue(parsed.hasMatchedOption(option), "the container args must give " + option);
        }
    }

    @Test
    void shouldGiveTheEndpointATokenWhenItBindsOffLoopback() throws IOException {
        if (InetAddress.getByName(option("--http-bind")).isLoopbackAddress()) {
            fail("the endpoint must bind a non-loopback address to be reached by the Service and the other pods");
        }
        Path tokenFile = Path.of(option("--http-token-file"));
        JsonNode volume = volumeMountedAbove(tokenFile);
        JsonNode secret = volume.path("secret");
        assertTrue(secret.isObject(), "--http-token-file " + tokenFile + " must be on a Secret volume");
        String secretName = secret.path("secretName").asText();
        String relative = Path.of(mountOf(volume.get("name").asText()).path("mountPath").asText()).relativize(tokenFile).toString();
        String key = relative;
        for (JsonNode item : secret.path("items")) {
            if (item.path("path").asText().equals(relative)) {
                key = item.path("key").asText();
            }
        }
        String create = "kubectl create secret generic " + secretName + " --from-literal=" + key + "=";
        String readme = Files.readString(DEPLOY.resolve("../README.md"), StandardCharsets.UTF_8);
        assertTrue(readme.contains(create), "README must tell how to create the token Secret: " + create);
        assertTrue(Files.readString(K8S.resolve("kustomization.yaml")).contains(create), "kustomization.yaml must say: " + create);
    }

    @Test
    void shouldServeProbesAndServicesOnTheHttpPort() {
        int httpPort = Integer.parseInt(option("--http-port"));
        JsonNode readiness = container.path("readinessProbe");
        assertEquals("/ready", readiness.path("httpGet").path("path").asText(),
                "readiness must ask GET /ready (no token needed; 503 while restoring)");
        assertEquals(httpPort, containerPort(readiness.path("httpGet").path("port")), "readiness probe port");
        JsonNode liveness = container.path("livenessProbe");
        assertTrue(liveness.path("tcpSocket").isObject(),
                "liveness must only check that the endpoint accepts connections (a long state restore must not get the pod killed)");
        assertEquals(httpPort, containerPort(liveness.path("tcpSocket").path("port")), "liveness probe port");
        boolean declared = false;
        for (JsonNode p : container.path("ports")) {
            declared |= p.path("containerPort").asInt() == httpPort;
        }
        assertTrue(declared, "--http-port " + httpPort + " must be a declared container port");
        for (JsonNode service : byKind.getOrDefault("Service", List.of())) {
            for (JsonNode p : service.path("spec").path("ports")) {
                assertEquals(httpPort, containerPort(p.path("targetPort")),
                        "Service " + service.path("metadata").path("name").asText() + " targetPort");
            }
        }
        assertEquals(Integer.toString(httpPort), pod.path("metadata").path("annotations").path("prometheus.io/port").asText(),
                "the prometheus.io/port annotation");
    }

    @Test
    void shouldKeepTheStateDirectoryOnThePersistentVolume() throws Exception {
        String stateDir = effectiveConfig().get(AppConfig.STATE_DIR_KEY);
        assertNotNull(stateDir, "state.dir must be set (Kafka Streams' default is under /tmp)");
        JsonNode volumeMount = null;
        for (JsonNode m : container.path("volumeMounts")) {
            if (stateDir.startsWith(m.path("mountPath").asText() + "/")) {
                volumeMount = m;
            }
        }
        assertNotNull(volumeMount, "state dir " + stateDir + " must be in a subdirectory of a mounted volume");
        boolean claimed = false;
        for (JsonNode t : statefulSet.path("spec").path("volumeClaimTemplates")) {
            claimed |= t.path("metadata").path("name").asText().equals(volumeMount.path("name").asText());
        }
        assertTrue(claimed, "state dir " + stateDir + " must be on a volumeClaimTemplate's volume (kept across restarts), not "
                + volumeMount.path("name").asText());
    }

    // ---- names, selectors, disruption

    @Test
    void shouldAdvertiseTheStablePodNameThroughTheHeadlessService() {
        String serviceName = statefulSet.path("spec").path("serviceName").asText();
        JsonNode headless = null;
        for (JsonNode s : byKind.getOrDefault("Service", List.of())) {
            if (s.path("metadata").path("name").asText().equals(serviceName)) {
                headless = s;
            }
        }
        assertNotNull(headless, "no Service named after the StatefulSet's serviceName " + serviceName);
        assertEquals("None", headless.path("spec").path("clusterIP").asText(), serviceName + " must be headless");
        assertTrue(headless.path("spec").path("publishNotReadyAddresses").asBoolean(),
                serviceName + ": pods must resolve before they are ready, or queries cannot be forwarded to a starting pod");
        String expected = statefulSet.path("metadata").path("name").asText() + "-0." + serviceName + "." + SAMPLE_NAMESPACE + ".svc";
        assertEquals(expected, option("--http-advertised-host"), "--http-advertised-host must be the pod's headless DNS name");
    }

    @Test
    void shouldSelectThePodsWithEverySelector() {
        Map<String, String> podLabels = strings(pod.path("metadata").path("labels"));
        List<JsonNode> selectors = new ArrayList<>();
        selectors.add(statefulSet.path("spec").path("selector").path("matchLabels"));
        for (JsonNode s : byKind.getOrDefault("Service", List.of())) {
            selectors.add(s.path("spec").path("selector"));
        }
        for (JsonNode pdb : byKind.getOrDefault("PodDisruptionBudget", List.of())) {
            selectors.add(pdb.path("spec").path("selector").path("matchLabels"));
            assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt(), "PodDisruptionBudget maxUnavailable");
        }
        for (JsonNode selector : selectors) {
            Map<String, String> s = strings(selector);
            assertFalse(s.isEmpty(), "an empty selector selects every pod of the namespace");
            for (Map.Entry<String, String> e : s.entrySet()) {
                assertEquals(e.getValue(), podLabels.get(e.getKey()), "selector " + s + " against pod labels " + podLabels);
            }
        }
    }

    @Test
    void shouldGiveKafkaStreamsTimeToCloseBeforeTheKill() {
        JsonNode spec = pod.path("spec");
        assertEquals("Parallel", statefulSet.path("spec").path("podManagementPolicy").asText());
        int grace = spec.path("terminationGracePeriodSeconds").asInt(30);
        assertTrue(grace >= MIN_GRACE_SECONDS, "terminationGracePeriodSeconds " + grace + " < " + MIN_GRACE_SECONDS);
    }

    // ---- the image

    @Test
    void shouldBuildTheImageOfTheCommandTheManifestsRun() throws Exception {
        Element jib = jibConfiguration();
        assertEquals(shadeMainClass(), text(jib, "container", "mainClass"), "the image runs the command the shaded jar runs");
        String to = text(jib, "to", "image").replace("${image.name}", properties("image.name"))
                .replace("${project.version}", projectVersion());
        assertEquals(container.path("image").asText(), to, "the StatefulSet runs the image the image profile builds");
        String from = properties("image.base");
        Matcher version = Pattern.compile("[^:]+:(\\d+)\\b.*").matcher(from);
        assertTrue(version.matches(), "the base image's tag names its Java version: " + from);
        assertTrue(Integer.parseInt(version.group(1)) >= javaRelease(), "the base image's Java must run release " + javaRelease());
        assertFalse(Files.exists(DEPLOY.resolve("Dockerfile")), "one image definition: Jib's (deploy/Dockerfile is gone)");
    }

    @Test
    void shouldRunAsTheImagesNonRootUser() throws Exception {
        String user = text(jibConfiguration(), "container", "user").split(":")[0];
        assertTrue(user.matches("\\d+"), "the image's user must be numeric, else runAsNonRoot cannot verify it: " + user);
        assertTrue(Integer.parseInt(user) != 0, "the image's user must not be root");
        JsonNode security = pod.path("spec").path("securityContext");
        assertTrue(security.path("runAsNonRoot").asBoolean(), "runAsNonRoot");
        assertEquals(Integer.parseInt(user), security.path("runAsUser").asInt(-1), "runAsUser must be the image's user");
        assertTrue(security.path("fsGroup").isNumber(), "fsGroup makes the state volume writable by the non-root user");
    }

    @Test
    void shouldFitHeapAndRocksDbInTheMemoryLimit() throws Exception {
        long limit = quantity(container.path("resources").path("limits").path("memory").asText());
        assertTrue(limit > 0, "the container needs a memory limit");
        String javaOptions = null;
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals("JDK_JAVA_OPTIONS")) {
                javaOptions = e.path("value").asText();
            }
        }
        if (javaOptions == null) {
            javaOptions = text(jibConfiguration(), "container", "environment", "JDK_JAVA_OPTIONS");
        }
        Matcher m = Pattern.compile("-XX:MaxRAMPercentage=([0-9.]+)").matcher(javaOptions == null ? "" : javaOptions);
        assertTrue(m.find(), "the heap must be a share of the limit (-XX:MaxRAMPercentage in JDK_JAVA_OPTIONS): " + javaOptions);
        long heap = (long) (limit * Double.parseDouble(m.group(1)) / 100);
        AppConfig config = effectiveConfig();
        assertFalse("false".equalsIgnoreCase(config.get("streamlearn.rocksdb.bounded")), "unbounded RocksDB cannot be sized to a pod");
        long rocksDb = Long.parseLong(config.values().getOrDefault(BoundedMemoryRocksDBConfig.TOTAL_OFF_HEAP_BYTES_CONFIG,
                Long.toString(128L << 20)));
        long memtables = Long.parseLong(config.values().getOrDefault(BoundedMemoryRocksDBConfig.TOTAL_MEMTABLE_BYTES_CONFIG,
                Long.toString(32L << 20)));
        assertTrue(memtables < rocksDb, "the memtables are inside the RocksDB total");
        long needed = heap + (long) (ROCKSDB_RESIDENT_FACTOR * rocksDb) + JVM_NATIVE_ALLOWANCE;
        assertTrue(needed <= limit, String.format("heap %d MiB + RocksDB %.1f x %d MiB + JVM %d MiB = %d MiB > limit %d MiB",
                heap >> 20, ROCKSDB_RESIDENT_FACTOR, rocksDb >> 20, JVM_NATIVE_ALLOWANCE >> 20, needed >> 20, limit >> 20));
        assertEquals(quantity(container.path("resources").path("requests").path("memory").asText()), limit,
                "memory request = limit: a pod using more than its request is among the first evicted under node memory pressure, "
                        + "and an evicted pod's tasks restore elsewhere");
    }

    // ---- Strimzi: topics, user, credentials

    private static final Path PLAIN = DEPLOY.resolve("k8s-plain");

    /** Every topic the application reads or writes, and Kafka Streams' changelogs, by name. */
    private Map<String, JsonNode> kafkaTopics() {
        Map<String, JsonNode> m = new HashMap<>();
        for (JsonNode t : byKind.getOrDefault("KafkaTopic", List.of())) {
            String name = t.path("spec").path("topicName").asText(t.path("metadata").path("name").asText());
            assertFalse(m.containsKey(name), "two KafkaTopics for " + name);
            m.put(name, t);
        }
        return m;
    }

    private static List<String> changelogs(AppConfig c) {
        // Kafka Streams names a store's changelog <application.id>-<store>-changelog
        return List.of(c.applicationId() + "-" + c.storeName() + "-changelog",
                c.applicationId() + "-" + c.pendingStoreName() + "-changelog");
    }

    private static String strimziCluster(JsonNode resource) {
        String c = resource.path("metadata").path("labels").path("strimzi.io/cluster").asText();
        assertFalse(c.isEmpty(), resource.path("metadata").path("name").asText() + ": the strimzi.io/cluster label names the Kafka");
        return c;
    }

    @Test
    void shouldDeclareAKafkaTopicForEveryTopicTheApplicationUsesAndItsChangelogs() throws Exception {
        AppConfig c = effectiveConfig();
        Map<String, JsonNode> topics = kafkaTopics();
        List<String> needed = new ArrayList<>(c.topics());
        if (!needed.contains(c.shadowPredictionsTopic())) {
            needed.add(c.shadowPredictionsTopic());
        }
        needed.addAll(changelogs(c));
        assertEquals(new TreeSet<>(needed), new TreeSet<>(topics.keySet()), "one KafkaTopic per topic, no more");
        Set<String> compacted = new HashSet<>(changelogs(c));
        compacted.add(c.controlTopic());
        String cluster = strimziCluster(only("KafkaUser"));
        for (Map.Entry<String, JsonNode> e : topics.entrySet()) {
            JsonNode spec = e.getValue().path("spec");
            String t = e.getKey();
            assertEquals(cluster, strimziCluster(e.getValue()), t + ": the same Kafka as the KafkaUser");
            assertTrue(spec.path("partitions").asInt() >= 1, t + ": partitions");
            int replicas = spec.path("replicas").asInt();
            assertTrue(replicas >= 3, t + ": replicas >= 3 (the changelogs are the models' only durable copy)");
            int minIsr = Integer.parseInt(spec.path("config").path("min.insync.replicas").asText("1"));
            assertTrue(minIsr >= 2 && minIsr < replicas, t + ": min.insync.replicas 2..replicas-1, got " + minIsr);
            String policy = spec.path("config").path("cleanup.policy").asText();
            assertEquals(compacted.contains(t) ? "compact" : "delete", policy, t + ": cleanup.policy");
            String retention = spec.path("config").path("retention.ms").asText();
            assertFalse(retention.isEmpty(), t + ": retention.ms");
            long ms = Long.parseLong(retention);
            if (compacted.contains(t)) {
                assertEquals(-1, ms, t + ": a compacted topic keeps the latest value per key forever");
            } else {
                assertTrue(ms > 0, t + ": retention.ms");
            }
        }
        int events = topics.get(c.eventsTopic()).path("spec").path("partitions").asInt();
        for (String t : List.of(c.labelsTopic(), changelogs(c).get(0), changelogs(c).get(1))) {
            assertEquals(events, topics.get(t).path("spec").path("partitions").asInt(),
                    t + ": as many partitions as " + c.eventsTopic() + " (one task per partition)");
        }
        long labels = Long.parseLong(topics.get(c.labelsTopic()).path("spec").path("config").path("retention.ms").asText());
        assertTrue(labels >= c.labelHorizon().toMillis(), "labels are kept at least the label horizon " + c.labelHorizon());
    }

    /** (resource type, pattern type, name) -> operations, from the KafkaUser's ACLs. */
    private static Map<String, Set<String>> acls() {
        Map<String, Set<String>> m = new HashMap<>();
        JsonNode user = only("KafkaUser");
        assertEquals("simple", user.path("spec").path("authorization").path("type").asText(), "ACLs: simple authorization");
        for (JsonNode a : user.path("spec").path("authorization").path("acls")) {
            JsonNode r = a.path("resource");
            assertFalse(a.path("type").asText("allow").equals("deny"), "only allow rules");
            String key = r.path("type").asText() + ":" + r.path("patternType").asText("literal") + ":" + r.path("name").asText();
            Set<String> ops = m.computeIfAbsent(key, k -> new TreeSet<>());
            for (JsonNode o : a.path("operations")) {
                ops.add(o.asText());
            }
        }
        return m;
    }

    @Test
    void shouldGrantTheKafkaUserWhatTheApplicationNeedsAndNothingElse() throws Exception {
        AppConfig c = effectiveConfig();
        String app = c.applicationId();
        Map<String, Set<String>> need = new HashMap<>();
        for (String in : List.of(c.eventsTopic(), c.labelsTopic())) {
            need.put("topic:literal:" + in, Set.of("Describe", "Read"));
        }
        // every instance reads the control topic; DELETE /models/KEY writes forget requests to it
        need.put("topic:literal:" + c.controlTopic(), Set.of("Describe", "Read", "Write"));
        for (String out : List.of(c.predictionsTopic(), c.shadowPredictionsTopic(), c.deadLettersTopic(), c.forgetAcksTopic())) {
            need.put("topic:literal:" + out, Set.of("Describe", "Write"));
        }
        need.put("topic:prefix:" + app + "-", Set.of("Create", "Describe", "DescribeConfigs", "Read", "Write"));
        need.put("group:literal:" + app, Set.of("Describe", "Read"));
        need.put("transactionalId:prefix:" + app + "-", Set.of("Describe", "Write"));
        Map<String, Set<String>> granted = acls();
        assertEquals(new TreeSet<>(need.keySet()), new TreeSet<>(granted.keySet()), "ACL resources: exactly the application's");
        for (Map.Entry<String, Set<String>> e : need.entrySet()) {
            assertEquals(new TreeSet<>(e.getValue()), granted.get(e.getKey()), e.getKey() + ": operations");
        }
        for (String t : changelogs(c)) {
            assertTrue(t.startsWith(app + "-"), t + " falls under the internal-topic prefix");
        }
        assertTrue(changelogs(c).stream().allMatch(kafkaTopics()::containsKey));
    }

    @Test
    void shouldConnectWithTheKafkaUsersCredentialsAndTheClusterCa() throws Exception {
        AppConfig c = effectiveConfig();
        JsonNode user = only("KafkaUser");
        String cluster = strimziCluster(user);
        assertEquals("scram-sha-512", user.path("spec").path("authentication").path("type").asText());
        Map<String, String> k = c.connectionSettings();
        assertEquals("SASL_SSL", k.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", k.get("sasl.mechanism"), "the mechanism of the KafkaUser's authentication");
        assertTrue(k.getOrDefault("sasl.jaas.config", "").contains("ScramLoginModule"),
                "sasl.jaas.config from the KafkaUser's Secret: " + k.get("sasl.jaas.config"));
        assertTrue(c.bootstrapServers().startsWith(cluster + "-kafka-bootstrap"), "Strimzi's bootstrap service of " + cluster);
        assertTrue(c.bootstrapServers().endsWith(":9093"), "the TLS listener");
        // the truststore is the CA certificate Strimzi keeps in <cluster>-cluster-ca-cert, mounted read-only
        assertEquals("PEM", k.get("ssl.truststore.type"));
        Path truststore = Path.of(k.get("ssl.truststore.location"));
        JsonNode caVolume = null;
        for (JsonNode v : pod.path("spec").path("volumes")) {
            if (v.path("secret").path("secretName").asText().equals(cluster + "-cluster-ca-cert")) {
                caVolume = v;
            }
        }
        assertNotNull(caVolume, "a volume of the Secret " + cluster + "-cluster-ca-cert");
        JsonNode mount = mountOf(caVolume.path("name").asText());
        assertTrue(mount.path("readOnly").asBoolean());
        String relative = Path.of(mount.path("mountPath").asText()).relativize(truststore).toString();
        boolean item = false;
        for (JsonNode i : caVolume.path("secret").path("items")) {
            item |= i.path("key").asText().equals("ca.crt") && i.path("path").asText().equals(relative);
        }
        assertTrue(item, "the truststore " + truststore + " is the Secret's ca.crt");
        // Kafka Streams' internal topics need the replication the KafkaTopics have
        assertEquals("3", c.kafkaSettings().get("replication.factor"));
    }

    /**
     * The example properties file for a cluster replicates Kafka Streams' internal topics as the
     * KafkaTopics of the manifests do (Kafka Streams' default, the broker's, may be 1), and
     * {@code streamlearn run} lowers it to 1 only for its embedded single-node broker.
     */
    @Test
    void shouldReplicateInternalTopicsInTheExamplePropertiesAsTheManifestsDo() throws Exception {
        AppConfig example = AppConfig.load(DEPLOY.resolve("streamlearn.properties"));
        String rf = example.kafkaSettings().get(StreamsConfig.REPLICATION_FACTOR_CONFIG);
        assertNotNull(rf, "deploy/streamlearn.properties sets replication.factor");
        assertEquals(effectiveConfig().kafkaSettings().get(StreamsConfig.REPLICATION_FACTOR_CONFIG), rf,
                "the same replication.factor as the ConfigMap");
        for (JsonNode topic : kafkaTopics().values()) {
            assertEquals(topic.path("spec").path("replicas").asInt(), Integer.parseInt(rf),
                    topic.path("metadata").path("name").asText() + ": replicas as replication.factor");
        }
        Method single = RunCommand.class.getDeclaredMethod("forSingleBroker", AppConfig.class);
        single.setAccessible(true);
        AppConfig embedded = (AppConfig) single.invoke(null, example);
        assertEquals("1", embedded.kafkaSettings().get(StreamsConfig.REPLICATION_FACTOR_CONFIG),
                "one broker holds one replica");
        assertEquals(example.with(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1").values(), embedded.values(), "nothing else changes");
    }

    @Test
    void shouldRunWithoutStrimziOrCredentialsInThePlainOverlay() throws Exception {
        JsonNode k = YAML.readTree(PLAIN.resolve("kustomization.yaml").toFile());
        List<String> resources = new ArrayList<>();
        k.path("resources").forEach(r -> resources.add(r.asText()));
        assertEquals(List.of("../k8s"), resources, "the overlay builds on deploy/k8s");
        Set<String> deletedKinds = new HashSet<>();
        List<JsonNode> patches = new ArrayList<>();
        for (JsonNode p : k.path("patches")) {
            if (p.has("patch")) {
                JsonNode doc = YAML.readTree(p.get("patch").asText());
                assertEquals("delete", doc.path("$patch").asText());
                assertEquals(p.path("target").path("kind").asText(), doc.path("kind").asText());
                deletedKinds.add(doc.path("kind").asText());
            } else {
                Path file = PLAIN.resolve(p.path("path").asText());
                assertTrue(Files.isRegularFile(file), file.toString());
                patches.add(YAML.readTree(file.toFile()));
            }
        }
        assertEquals(Set.of("KafkaTopic", "KafkaUser"), deletedKinds, "the Strimzi resources are dropped");
        JsonNode sts = null;
        for (JsonNode p : patches) {
            if (p.path("kind").asText().equals("StatefulSet")) {
                sts = p;
            }
            assertTrue(byKind.containsKey(p.path("kind").asText()), "patches an existing kind " + p.path("kind"));
        }
        assertNotNull(sts, "a StatefulSet patch");
        JsonNode c = sts.path("spec").path("template").path("spec").path("containers").get(0);
        assertEquals(container.path("name").asText(), c.path("name").asText());
        // a patch replaces the args list whole: it must be the base's without the security settings
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < rawArgs.size(); i++) {
            if (rawArgs.get(i).equals("--set") && rawArgs.get(i + 1).matches("(security|sasl|ssl)\\..*")) {
                i++;
                continue;
            }
            expected.add(rawArgs.get(i));
        }
        List<String> plainArgs = new ArrayList<>();
        c.path("args").forEach(a -> plainArgs.add(a.asText()));
        assertEquals(expected, plainArgs, "the overlay's args are deploy/k8s's minus the security --set lines");
        // and what it deletes is what reads the Strimzi Secrets
        Set<String> env = new HashSet<>();
        c.path("env").forEach(e -> env.add(e.path("name").asText()));
        Set<String> secretEnv = new HashSet<>();
        container.path("env").forEach(e -> {
            if (e.path("valueFrom").has("secretKeyRef")) {
                secretEnv.add(e.path("name").asText());
            }
        });
        assertEquals(secretEnv, env);
        JsonNode volumes = sts.path("spec").path("template").path("spec").path("volumes");
        String cluster = strimziCluster(only("KafkaUser"));
        for (JsonNode v : volumes) {
            boolean isCa = false;
            for (JsonNode base : pod.path("spec").path("volumes")) {
                isCa |= base.path("name").asText().equals(v.path("name").asText())
                        && base.path("secret").path("secretName").asText().equals(cluster + "-cluster-ca-cert");
            }
            assertTrue(isCa, "deletes the CA volume: " + v);
            String mountPath = mountOf(v.path("name").asText()).path("mountPath").asText();
            boolean mountDeleted = false;
            for (JsonNode m : c.path("volumeMounts")) {
                mountDeleted |= m.path("mountPath").asText().equals(mountPath) && m.path("$patch").asText().equals("delete");
            }
            assertTrue(mountDeleted, "and its mount " + mountPath);
        }
        assertEquals(1, volumes.size());
        JsonNode cm = null;
        for (JsonNode p : patches) {
            if (p.path("kind").asText().equals("ConfigMap")) {
                cm = p;
            }
        }
        assertNotNull(cm);
        assertTrue(cm.path("data").path("bootstrap-servers").asText().matches("[^\\s:]+:\\d+"), "a plain bootstrap server");
    }

    // ---- helpers

    private static List<String> kustomizationResources() throws IOException {
        JsonNode k = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
        assertEquals("Kustomization", k.path("kind").asText());
        List<String> out = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            out.add(r.asText());
        }
        assertFalse(out.isEmpty(), "kustomization.yaml lists no resources");
        return out;
    }

    private static List<JsonNode> readYamlDocuments(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    docs.add(n);
                }
            }
        }
        return docs;
    }

    private static JsonNode only(String kind) {
        List<JsonNode> l = byKind.get(kind);
        assertTrue(l != null && l.size() == 1, "expected exactly one " + kind + ", got " + (l == null ? 0 : l.size()));
        return l.get(0);
    }

    /** Kubernetes' $(VAR) expansion in args, from the container's env with sample downward-API values. */
    private static String expandEnv(String arg) {
        Map<String, String> env = new HashMap<>();
        for (JsonNode e : container.path("env")) {
            String name = e.path("name").asText();
            if (e.has("value")) {
                env.put(name, e.get("value").asText());
                continue;
            }
            JsonNode from = e.path("valueFrom");
            if (from.has("fieldRef")) {
                String field = from.path("fieldRef").path("fieldPath").asText();
                env.put(name, switch (field) {
                    case "metadata.name" -> statefulSet.path("metadata").path("name").asText() + "-0";
                    case "metadata.namespace" -> SAMPLE_NAMESPACE;
                    default -> "sample-" + field;
                });
            } else if (from.has("secretKeyRef")) {
                JsonNode ref = from.get("secretKeyRef");
                assertEquals(only("KafkaUser").path("metadata").path("name").asText(), ref.path("name").asText(),
                        name + ": the only Secret read into the env is the KafkaUser's (Strimzi names it after the user)");
                assertEquals("sasl.jaas.config", ref.path("key").asText(), name + ": the key Strimzi writes the JAAS line to");
                env.put(name, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"sample\" password=\"sample\";");
            } else if (from.has("configMapKeyRef")) {
                JsonNode ref = from.get("configMapKeyRef");
                assertEquals(configMap.path("metadata").path("name").asText(), ref.path("name").asText(), name + ": which ConfigMap");
                JsonNode value = configMap.path("data").path(ref.path("key").asText());
                assertTrue(value.isTextual(), name + ": ConfigMap key " + ref.path("key").asText() + " is missing");
                env.put(name, value.asText());
            }
        }
        Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(arg);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            assertNotNull(v, "$(" + m.group(1) + ") in the container args is not in its env (Kubernetes would pass it literally)");
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String option(String name) {
        assertTrue(parsed.hasMatchedOption(name), "the container args do not give " + name);
        return parsed.matchedOption(name).stringValues().get(0);
    }

    /** The settings `run` resolves from the ConfigMap's file and the container's args (through RunCommand itself). */
    private AppConfig effectiveConfig() throws Exception {
        Path file = writeConfigMapProperties();
        List<String> relocated = new ArrayList<>(args.subList(1, args.size()));
        for (int i = 0; i < relocated.size(); i++) {
            if (relocated.get(i).equals("--config")) {
                relocated.set(i + 1, file.toString());
            } else if (relocated.get(i).startsWith("--config=")) {
                relocated.set(i, "--config=" + file);
            }
        }
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(relocated.toArray(new String[0]));
        Method resolved = RunCommand.class.getDeclaredMethod("resolvedSettings");
        resolved.setAccessible(true);
        @SuppressWarnings("unchecked")
        Map<String, String> settings = (Map<String, String>) resolved.invoke(run);
        return AppConfig.of(settings);
    }

    private Path writeConfigMapProperties() throws IOException {
        String key = Path.of(option("--config")).getFileName().toString();
        JsonNode text = configMap.path("data").path(key);
        assertTrue(text.isTextual(), "ConfigMap has no " + key);
        Path file = tmp.resolve(key);
        Files.writeString(file, text.asText(), StandardCharsets.UTF_8);
        return file;
    }

    private static JsonNode mountOf(String volumeName) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals(volumeName)) {
                return m;
            }
        }
        throw new AssertionError("volume " + volumeName + " is not mounted");
    }

    /** The pod volume whose mount holds {@code file} (strictly below the mount path). */
    private static JsonNode volumeMountedAbove(Path file) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (file.startsWith(Path.of(m.path("mountPath").asText())) && !file.equals(Path.of(m.path("mountPath").asText()))) {
                for (JsonNode v : pod.path("spec").path("volumes")) {
                    if (v.path("name").asText().equals(m.path("name").asText())) {
                        return v;
                    }
                }
                fail("volume mount " + m.path("name").asText() + " has no volume");
            }
        }
        throw new AssertionError(file + " is on no mounted volume");
    }

    /** A probe or Service port: a number, or the name of a container port. */
    private static int containerPort(JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port named " + port);
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }

    /** A Kubernetes memory quantity in bytes: 2Gi, 512Mi, 1G, 1000000. */
    static long quantity(String q) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?").matcher(q.trim());
        assertTrue(m.matches(), "memory quantity " + q);
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2);
        return switch (unit) {
            case "Ki" -> n << 10;
            case "Mi" -> n << 20;
            case "Gi" -> n << 30;
            case "Ti" -> n << 40;
            case "k" -> n * 1_000L;
            case "M" -> n * 1_000_000L;
            case "G" -> n * 1_000_000_000L;
            case "T" -> n * 1_000_000_000_000L;
            default -> n;
        };
    }

    private static int javaRelease() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("../pom.xml").toFile());
        return Integer.parseInt(pom.getElementsByTagName("maven.compiler.release").item(0).getTextContent().trim());
    }

    /** The configuration of jib-maven-plugin in the image profile of streams/pom.xml. */
    private static Element jibConfiguration() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        var plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element p = (Element) plugins.item(i);
            if (text(p, "artifactId").equals("jib-maven-plugin")) {
                return child(p, "configuration");
            }
        }
        throw new AssertionError("streams/pom.xml has no jib-maven-plugin");
    }

    private static String shadeMainClass() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        var mains = pom.getElementsByTagName("mainClass");
        for (int i = 0; i < mains.getLength(); i++) {
            if (((Element) mains.item(i).getParentNode()).getAttribute("implementation").endsWith("ManifestResourceTransformer")) {
                return mains.item(i).getTextContent().trim();
            }
        }
        throw new AssertionError("no shade main class");
    }

    private static String projectVersion() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("../pom.xml").toFile());
        return text(pom.getDocumentElement(), "version");
    }

    /** A property of the image profile. */
    private static String properties(String name) throws Exception {
        Element profile = (Element) jibConfiguration().getParentNode().getParentNode().getParentNode().getParentNode();
        return text(profile, "properties", name);
    }

    private static Element child(Element e, String name) {
        for (var n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("<" + e.getTagName() + "> has no <" + name + ">");
    }

    private static String text(Element e, String... path) {
        Element at = e;
        for (String p : path) {
            at = child(at, p);
        }
        return at.getTextContent().trim();
    }
}
