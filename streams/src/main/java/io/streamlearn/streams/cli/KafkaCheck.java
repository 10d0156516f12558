package io.streamlearn.streams.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks Kafka for its cluster id before a command starts its real clients, so that an unreachable
 * broker or a refused password is one line after a bounded wait, not a flood of client warnings
 * followed by a stack trace.
 */
final class KafkaCheck {

    private KafkaCheck() {
    }

    /**
     * @param connection {@code bootstrap.servers} and the security settings
     * @throws CommandFailure (exit 1) naming the servers when Kafka does not answer in {@code timeout}
     *                        or refuses the credentials; (exit 2) when no server address resolves
     */
    static void await(Map<String, String> connection, Duration timeout, boolean verbose) {
        String servers = connection.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        Properties p = new Properties();
        p.putAll(connection);
        int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(ms));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(ms));
        try (Quiet q = verbose ? null : new Quiet()) {
            Admin admin;
            try {
                admin = Admin.create(p);
            } catch (KafkaException e) {
                throw CommandFailure.usage("--bootstrap-servers " + servers + ": " + rootMessage(e));
            }
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms)).clusterId().get(ms + 1000L, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw failure(servers, timeout, e.getCause());
            } catch (TimeoutException e) {
                throw failure(servers, timeout, new org.apache.kafka.common.errors.TimeoutException(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CommandFailure.runtime("interrupted while waiting for Kafka at " + servers, e);
            } finally {
                admin.close(Duration.ZERO);
            }
        }
    }

    /** The one line for a Kafka client failure, naming the servers. */
    static CommandFailure failure(String servers, Duration timeout, Throwable cause) {
        if (cause instanceof AuthenticationException) {
            return CommandFailure.runtime("Kafka at " + servers + " refused the credentials: " + rootMessage(cause), cause);
        }
        if (cause instanceof AuthorizationException) {
            return CommandFailure.runtime("Kafka at " + servers + " denied access" + resource(cause) + ": " + rootMessage(cause), cause);
        }
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return CommandFailure.runtime("cannot reach Kafka at " + servers + ": no answer within "
                    + Failures.format(timeout) + " (is it running, and are the address and security.protocol right?)", cause);
        }
        return CommandFailure.runtime("Kafka at " + servers + ": " + rootMessage(cause), cause);
    }

    /** " to topics [a, b]", " to group g", ... when the exception says which resource was refused. */
    private static String resource(Throwable t) {
        if (t instanceof org.apache.kafka.common.errors.TopicAuthorizationException e && !e.unauthorizedTopics().isEmpty()) {
            return " to topics " + new java.util.TreeSet<>(e.unauthorizedTopics());
        }
        if (t instanceof org.apache.kafka.common.errors.GroupAuthorizationException e && e.groupId() != null) {
            return " to consumer group " + e.groupId();
        }
        if (t instanceof org.apache.kafka.common.errors.TransactionalIdAuthorizationException) {
            return " to transactional ids";
        }
        if (t instanceof org.apache.kafka.common.errors.ClusterAuthorizationException) {
            return " to the cluster";
        }
        return "";
    }

    static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getMessage() != null ? r.getMessage() : t.getMessage();
        return m == null ? r.getClass().getSimpleName() : m.strip().replace('\n', ' ');
    }

    /** Kafka's client loggers at ERROR while open: their per-retry WARN lines say nothing the one line does not. */
    static final class Quiet implements AutoCloseable {
        private static final String LOGGER = "org.apache.kafka";
        private final Level before = LogManager.getLogger(LOGGER).getLevel();

        Quiet() {
            Configurator.setLevel(LOGGER, Level.ERROR);
        }

        @Override
        public void close() {
            Configurator.setLevel(LOGGER, before);
        }
    }
}
