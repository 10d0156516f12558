package io.streamlearn.streams.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.cli.StreamlearnCommand;
import io.streamlearn.streams.migration.ModelTransfer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A secured cluster as deploy/k8s expects it: the in-process broker with a SASL/SCRAM-SHA-512 listener
 * and the standard authorizer (deny unless an ACL allows), the user {@code streamlearn} holding exactly
 * the ACLs of deploy/k8s/kafka-user.yaml. {@code run} (in its own JVM) scores events and
 * {@code export} reads the models, both with only {@code --config FILE} carrying the credentials;
 * {@code replay}, which needs more than the application's user may do, and a wrong password each fail
 * with one line and exit code 1.
 */
class SecuredClusterIT {

    private static final String USER = "streamlearn";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldRunExportAndRefuseWithTheKafkaUsersCredentialsAndAcls() throws Exception {
        int plain = freePort();
        int sasl = freePort();
        String listeners = "PLAINTEXT://127.0.0.1:" + plain + ",SASL_PLAINTEXT://127.0.0.1:" + sasl;
        Map<String, String> secured = Map.of(
                "listeners", listeners,
                "advertised.listeners", listeners,
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // the PLAINTEXT listener (the test's own clients, the broker itself) is the super user
                "super.users", "User:ANONYMOUS",
                "allow.everyone.if.no.acl.found", "false");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(plain, secured); Admin admin = broker.admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), PASSWORD))).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(aclsOfTheKafkaUser()).all().get(30, TimeUnit.SECONDS);
            // the topics of deploy/k8s/kafka-topics.yaml (2 partitions, 1 replica here); the changelogs are
            // left to Kafka Streams, which the user's prefix ACL lets create them
            List<NewTopic> topics = new ArrayList<>();
            for (String t : List.of("events", "labels", "predictions", "predictions-shadow", "dead-letters", "forget-acks")) {
                topics.add(new NewTopic(t, 2, (short) 1));
            }
            topics.add(new NewTopic("model-control", 1, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);

            String bootstrap = "127.0.0.1:" + sasl;
            Path config = dir.resolve("secured.properties");
            Files.writeString(config, String.join("\n",
                    "bootstrap.servers=" + bootstrap,
                    "security.protocol=SASL_PLAINTEXT",
                    "sasl.mechanism=SCRAM-SHA-512",
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                            + USER + "\" password=\"" + PASSWORD + "\";",
                    "application.id=streamlearn",
                    "streamlearn.features=x1,x2",
                    "streamlearn.output.format=json",
                    "commit.interval.ms=100",
                    ""));

            Path stderr = dir.resolve("run-stderr.txt");
            Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"), StreamlearnCommand.class.getName(),
                    "run", "--config", config.toString(), "--state-dir", dir.resolve("state").toString())
                    .redirectError(stderr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                int events = 30;
                try (KafkaProducer<String, byte[]> producer = TestClients.producer(broker)) {
                    for (int i = 0; i < events; i++) {
                        String key = "dev-" + (i % 3);
                        producer.send(new ProducerRecord<>("events", key, ("{\"id\":\"e" + i + "\",\"key\":\"" + key
                                + "\",\"ts\":" + (1_700_000_000_000L + i) + ",\"features\":{\"x1\":" + i + ",\"x2\":1},\"label\":"
                                + (2 * i + 1) + "}").getBytes(StandardCharsets.UTF_8)));
                    }
                }
                List<String> predictions = new ArrayList<>();
                try (KafkaConsumer<String, byte[]> consumer = TestClients.consumer(broker, "secured-it")) {
                    consumer.subscribe(List.of("predictions"));
                    TestClients.pollUntil(consumer, Duration.ofSeconds(150), () -> predictions.size() >= events,
                            r -> predictions.add(new String(r.value(), StandardCharsets.UTF_8)));
                }
                assertEquals(events, predictions.size(), "run scored every event over SASL_PLAINTEXT with the user's ACLs; stderr:\n"
                        + Files.readString(stderr));
                assertTrue(run.isAlive(), "run still running: " + Files.readString(stderr));
                assertFalse(Files.readString(stderr).contains("AuthorizationException"), Files.readString(stderr));

                // export with the same file: the changelog is under the user's internal-topic prefix
                Path models = dir.resolve("models.avro");
                Cli export = cli("export", "--config", config.toString(), "--output", models.toString(), "--timeout", "2m");
                assertEquals(0, export.exit, export.err);
                assertEquals(3, ModelTransfer.read(models).size(), "one model per key");
            } finally {
                run.destroy();
                run.waitFor(60, TimeUnit.SECONDS);
                run.destroyForcibly();
            }

            // a wrong password: one line naming the host, exit 1, no stack trace
            Cli wrong = cli("export", "--config", config.toString(), "--set",
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
                            + "\" password=\"wrong\";", "--output", dir.resolve("x.avro").toString(), "--connect-timeout", "20s");
            assertEquals(1, wrong.exit, wrong.err);
            assertEquals(1, wrong.err.strip().lines().count(), wrong.err);
            assertTrue(wrong.err.startsWith("streamlearn export: Kafka at " + bootstrap + " refused the credentials"), wrong.err);

            // replay creates topics and a consumer group of its own: more than the application's user may do
            Cli replay = cli("replay", "--config", config.toString(), "--from", "0", "--to", "1800000000000",
                    "--output-topic", "predictions-replay", "--timeout", "1m");
            assertEquals(1, replay.exit, replay.err);
            assertEquals(1, replay.err.strip().lines().count(), replay.err);
            System.out.println("SecuredClusterIT, wrong password: " + wrong.err.strip() + "\nSecuredClusterIT, replay: " + replay.err.strip());
            assertTrue(replay.err.startsWith("streamlearn replay: Kafka at " + bootstrap + " denied access"), replay.err);
            assertFalse(replay.err.contains("--verbose"), "the line says it all: " + replay.err);
        }
    }

    private record Cli(int exit, String err) {
    }

    private static Cli cli(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = StreamlearnCommand.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Cli(exit, err.toString());
    }

    /** The ACLs of deploy/k8s/kafka-user.yaml, for principal User:streamlearn. */
    private static List<AclBinding> aclsOfTheKafkaUser() throws Exception {
        JsonNode user = new YAMLMapper().readTree(Path.of("../deploy/k8s/kafka-user.yaml").toFile());
        assertEquals(USER, user.path("metadata").path("name").asText());
        List<AclBinding> out = new ArrayList<>();
        for (JsonNode a : user.path("spec").path("authorization").path("acls")) {
            JsonNode r = a.path("resource");
            ResourcePattern pattern = new ResourcePattern(ResourceType.fromString(snake(r.path("type").asText())),
                    r.path("name").asText(), r.path("patternType").asText("literal").equals("prefix") ? PatternType.PREFIXED : PatternType.LITERAL);
            for (JsonNode op : a.path("operations")) {
                out.add(new AclBinding(pattern, new AccessControlEntry("User:" + USER, "*",
                        AclOperation.fromString(snake(op.asText())), AclPermissionType.ALLOW)));
            }
        }
        assertTrue(out.size() >= 10, out.toString());
        return out;
    }

    /** transactionalId -> TRANSACTIONAL_ID, DescribeConfigs -> DESCRIBE_CONFIGS. */
    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
