package io.streamlearn.streams.app;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The topics an application needs before it starts: creates the missing labels and control topics
 * and checks that labels are partitioned like events. {@link StreamlearnApp#start()} calls it; the
 * topology itself never talks to the broker.
 *
 * <pre>{@code
 * int partitions = TopicSetup.requireCopartitioned(config);   // 0 while the events topic does not exist
 * }</pre>
 */
public final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {
    }

    /**
     * Prepares the input topics before the application starts: creates the labels topic (with the
     * events topic's partition count) and the control topic (compacted, one partition) when they are
     * missing, then fails when the events and labels topics have different partition counts. A label
     * is joined in the task of its key's events partition, so the two must be partitioned alike; Kafka
     * Streams does not check this for two sources of one Processor API sub-topology (it runs one task
     * per partition number and each task gets whatever partitions have that number). A missing events
     * topic, or a topic that cannot be created, is left for Kafka Streams to report.
     *
     * @return the partition count of the events topic, or 0 when it does not exist yet
     * @throws IllegalStateException naming both counts
     */
    public static int requireCopartitioned(AppConfig config) {
        Properties p = new Properties();
        config.kafkaSettings().forEach((k, v) -> {
            if (k.startsWith("bootstrap.") || k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                p.put(k, v);
            }
        });
        try (Admin admin = Admin.create(p)) {
            Map<String, Integer> counts = describe(admin, config);
            Integer events = counts.get(config.eventsTopic());
            List<NewTopic> create = new ArrayList<>();
            if (events != null && !counts.containsKey(config.labelsTopic())) {
                create.add(new NewTopic(config.labelsTopic(), events, (short) -1));
            }
            if (config.controlTopic() != null && !counts.containsKey(config.controlTopic())) {
                create.add(new NewTopic(config.controlTopic(), 1, (short) -1)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            }
            for (NewTopic t : create) {
                try {
                    admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
                    LOG.info("Created topic {} ({} partitions)", t.name(), t.numPartitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        LOG.warn("Could not create topic {}: {}", t.name(), e.getCause().toString());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating " + t.name(), e);
                } catch (TimeoutException e) {
                    LOG.warn("Timed out creating topic {}", t.name());
                }
            }
            if (!create.isEmpty()) {
                awaitLeaders(admin, create);
                counts = describe(admin, config);
            }
            requireCopartitioned(config, counts);
            return counts.getOrDefault(config.eventsTopic(), 0);
        }
    }

    /**
     * Waits (up to 30 s) until every partition of the new topics has a leader: Kafka Streams' global
     * thread fails at start on a topic whose partitions are not yet available.
     */
    private static void awaitLeaders(Admin admin, List<NewTopic> topics) {
        List<String> names = topics.stream().map(NewTopic::name).toList();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
                if (d.values().stream().allMatch(t -> !t.partitions().isEmpty()
                        && t.partitions().stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()))) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                // not visible yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("Topics {} have partitions without a leader after 30 s", names);
    }

    private static Map<String, Integer> describe(Admin admin, AppConfig config) {
        Map<String, Integer> counts = new HashMap<>();
        List<String> topics = new ArrayList<>(List.of(config.eventsTopic(), config.labelsTopic()));
        if (config.controlTopic() != null) {
            topics.add(config.controlTopic());
        }
        for (String topic : topics) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
                counts.put(topic, d.partitions().size());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing " + topic, e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("timed out describing topic " + topic, e);
            }
        }
        return counts;
    }

    /** As {@link #requireCopartitioned(AppConfig)}, given the partition count of each existing topic. */
    static void requireCopartitioned(AppConfig config, Map<String, Integer> partitions) {
        Integer events = partitions.get(config.eventsTopic());
        Integer labels = partitions.get(config.labelsTopic());
        if (events != null && labels != null && !events.equals(labels)) {
            throw new IllegalStateException("topic '" + config.labelsTopic() + "' has " + labels + " partitions but '"
                    + config.eventsTopic() + "' has " + events + ": labels must be partitioned like events, by the entity key");
        }
    }

}
