package io.streamlearn.streams.integration;

import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance that is closed leaves its consumer group at once, so the instance that replaces it (a
 * restart, a rolling deploy) gets the tasks without waiting for the old member's session to time out:
 * Streamlearn joins as a static member (Kafka Streams 4.1 sends no LeaveGroup for dynamic members).
 * Checked on the group itself through the Admin API; the dynamic case shows what the default avoids.
 */
class GroupMembershipIT {

    @RegisterExtension
    static final BrokerExtension kafka = new BrokerExtension();

    @TempDir
    Path stateDir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldLeaveTheGroupOnCloseAndComeBackUnderTheSameStaticName() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = IsolatedConfig.of(kafka.broker(), "it-group-" + suffix, suffix, stateDir).with(AppConfig.FEATURES_KEY, "x");
        kafka.broker().createTopics(2, config.topics());
        String instance = StreamlearnApp.staticInstanceId(config) + "-1";   // stream thread 1
        try (Admin admin = admin()) {
            for (int round = 0; round < 2; round++) {
                try (StreamlearnApp app = new StreamlearnApp(config)) {
                    app.start();
                    assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "running, round " + round + ": " + app.state());
                    List<MemberDescription> members = members(admin, config.applicationId());
                    assertEquals(1, members.size(), "round " + round + ": " + members);
                    assertEquals(instance, members.get(0).groupInstanceId().orElse("(dynamic)"), "round " + round);
                }
                assertEquals(List.of(), members(admin, config.applicationId()), "left the group on close, round " + round);
            }
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldStayInTheGroupAfterCloseAsADynamicMember() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        AppConfig config = IsolatedConfig.of(kafka.broker(), "it-group-dyn-" + suffix, suffix, stateDir)
                .with(AppConfig.FEATURES_KEY, "x").with(AppConfig.STATIC_MEMBERSHIP_KEY, "false");
        kafka.broker().createTopics(2, config.topics());
        try (Admin admin = admin()) {
            try (StreamlearnApp app = new StreamlearnApp(config)) {
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "running: " + app.state());
                assertTrue(members(admin, config.applicationId()).get(0).groupInstanceId().isEmpty(), "a dynamic member");
            }
            // Kafka Streams 4.1 closes a dynamic member without LeaveGroup: it stays until its session times out
            assertEquals(1, members(admin, config.applicationId()).size(),
                    "if this fails, Kafka Streams now leaves the group for dynamic members too: static membership may be reconsidered");
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.broker().bootstrapServers()));
    }

    private static List<MemberDescription> members(Admin admin, String group) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(10, TimeUnit.SECONDS);
        return List.copyOf(d.members());
    }
}
