package io.streamlearn.streams.integration;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaCluster;
import io.streamlearn.streams.chaos.ChaosFeeder;
import io.streamlearn.streams.chaos.ChaosWorkload;
import io.streamlearn.streams.chaos.ExactlyOnceAudit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once on a replicated cluster while it is being bounced: three KRaft nodes in this JVM (each
 * broker and controller), every topic with three replicas and {@code min.insync.replicas=2}, the
 * application's changelogs and Kafka's internal topics included. While events with inline labels and
 * labels that come later keep arriving, one node that is not the active controller is stopped and
 * restarted (a rolling restart), then the active controller is stopped (a new one is elected) and
 * restarted. A read_committed reader must then see exactly one prediction per event and model, each
 * bit-identical to {@code streamlearn backtest} over the same events and labels, each delayed label
 * learned once, no dead letter, and every key's final model in the changelog (as {@code streamlearn
 * export} reads it) byte-identical to the backtest's final state ({@link ExactlyOnceAudit}).
 */
class ReplicatedClusterIT {

    private static final List<String> FEATURES = List.of("x1", "x2", "x3");
    private static final List<String> MODELS = List.of("kalman", "sgd");
    private static final int PARTITIONS = 4;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldKeepExactlyOnceWhileABrokerAndTheActiveControllerAreStoppedAndRestarted() throws Exception {
        // 150 keys with inline labels (or none); one event in 40 is a key whose label comes on the labels topic
        ChaosWorkload workload = new ChaosWorkload(11, 20_000, 150, 40, 400, 0.6, FEATURES);
        // records are stamped in 2023: no time-based retention may delete them during the test
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(3, Map.of("log.retention.ms", "-1"))) {
            AppConfig config = AppConfig.defaults()
                    .with(AppConfig.BOOTSTRAP_SERVERS_KEY, cluster.bootstrapServers())
                    .with(AppConfig.STATE_DIR_KEY, dir.resolve("state").toString())
                    .with(AppConfig.FEATURES_KEY, String.join(",", FEATURES))
                    .with(AppConfig.MODELS_KEY, String.join(";", MODELS))
                    .with(AppConfig.OUTPUT_FORMAT_KEY, "avro")
                    .with(AppConfig.PRIOR_KEY, "none")
                    .with("replication.factor", "3")
                    .with("commit.interval.ms", "100");
            cluster.createTopics(PARTITIONS, config.eventsTopic(), config.labelsTopic(), config.predictionsTopic(),
                    config.shadowPredictionsTopic(), config.deadLettersTopic(), config.forgetAcksTopic());
            // created here rather than by the application, so that every node knows it before the global thread asks
            cluster.createTopics(1, List.of(config.controlTopic()), Map.of("cleanup.policy", "compact"));
            try (StreamlearnApp app = new StreamlearnApp(config)) {
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(90)), "the application runs");
                try (ChaosFeeder feeder = ChaosFeeder.start(cluster.bootstrapServers(), workload, 400)) {
                    Thread.sleep(8_000);
                    int controller = cluster.activeController();
                    int broker = controller == 1 ? 2 : 1;
                    log("stopping node " + broker + " (not the active controller, " + controller + ") after "
                            + feeder.sent() + " records");
                    cluster.stop(broker);
                    Thread.sleep(6_000);
                    cluster.restart(broker);
                    log("node " + broker + " back after " + feeder.sent() + " records; all replicas in sync after "
                            + cluster.awaitInSync(Duration.ofSeconds(120)).toMillis() + " ms");
                    controller = cluster.activeController();
                    log("stopping the active controller, node " + controller + ", after " + feeder.sent() + " records");
                    cluster.stop(controller);
                    Thread.sleep(3_000);
                    int elected = cluster.activeController();
                    assertNotEquals(controller, elected, "another node took over as controller");
                    log("node " + elected + " is the active controller now");
                    Thread.sleep(3_000);
                    cluster.restart(controller);
                    log("node " + controller + " back after " + feeder.sent() + " records; all replicas in sync after "
                            + cluster.awaitInSync(Duration.ofSeconds(120)).toMillis() + " ms");
                    assertTrue(!feeder.done(), "the failures happened while records were still arriving");
                    feeder.await();
                }
                ExactlyOnceAudit.Result result = ExactlyOnceAudit.run(cluster.bootstrapServers(), config.applicationId(),
                        workload, MODELS, PARTITIONS, dir, Duration.ofSeconds(120));
                log(result.toString());
                assertReplicated(cluster, config);
                assertTrue(result.delayedLabels() > 400 && result.inlineLabels() > 10_000, "both kinds of label: " + result);
                assertEquals(result.expectedPredictions(), result.predictionsRead(), "one prediction per event and model: " + result);
                assertEquals(0, result.duplicated(), result.toString());
                assertEquals(0, result.missing(), result.toString());
                assertEquals(0, result.differing(), "bit-identical to the backtest: " + result);
                assertEquals(0, result.versionErrors(), "every label learned exactly once: " + result);
                assertEquals(0, result.deadLetters(), result.toString());
                assertEquals(0, result.stateErrors(), "final models as the backtest's: " + result);
                assertEquals((150 + workload.labels().size()) * MODELS.size(), result.states(), "every key's models compared: " + result);
            }
        }
    }

    /** Every topic, the changelogs and Kafka's own included, has three replicas and min.insync.replicas=2. */
    private static void assertReplicated(EmbeddedKafkaCluster cluster, AppConfig config) throws Exception {
        try (Admin admin = cluster.admin()) {
            Set<String> names = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                    .names().get(30, TimeUnit.SECONDS);
            assertTrue(names.contains(config.applicationId() + "-models-changelog"), "a changelog: " + names);
            assertTrue(names.contains("__transaction_state") && names.contains("__consumer_offsets"), names.toString());
            Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            for (TopicDescription t : d.values()) {
                t.partitions().forEach(p -> assertEquals(3, p.replicas().size(), t.name() + " partition " + p.partition()));
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, t.name());
                String minIsr = admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r)
                        .get("min.insync.replicas").value();
                assertEquals("2", minIsr, t.name());
            }
        }
    }

    private static void log(String s) {
        System.out.println("ReplicatedClusterIT: " + s);
    }
}
