package io.streamlearn.streams.http;

import io.streamlearn.schemas.mapping.FieldMapping;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the HTTP endpoint asks of one application instance. The live implementation is
 * {@link KafkaStreamsModelQueries} (a {@code KafkaStreams} instance and its {@code models} store); tests
 * use fakes. Every method answers for this instance only: {@link ModelQueryServer} forwards a key that
 * {@link #route} places elsewhere. Implementations must be thread-safe (the server calls them from its
 * request threads).
 *
 * <pre>{@code
 * ModelQueries queries = new KafkaStreamsModelQueries(streams, "models", space, specs, new HostInfo("10.0.0.5", 8080));
 * try (ModelQueryServer server = ModelQueryServer.start(queries, metrics::scrape, ModelQueryServer.Options.local(8080))) {
 *     ...
 * }
 * }</pre>
 */
public interface ModelQueries {

    /** Where the models of one entity key live. */
    record Route(Kind kind, String host, int port, String reason) {
        public enum Kind { LOCAL, REMOTE, UNAVAILABLE }

        public static Route local() {
            return new Route(Kind.LOCAL, null, -1, null);
        }

        public static Route remote(String host, int port) {
            return new Route(Kind.REMOTE, host, port, null);
        }

        public static Route unavailable(String reason) {
            return new Route(Kind.UNAVAILABLE, null, -1, reason);
        }
    }

    /**
     * One stored model of a key.
     *
     * @param model         the model's name (its SPEC as configured)
     * @param champion      whether it is the first configured model
     * @param spec          the learner's canonical SPEC, or null when this instance does not run the model
     * @param version       update count (the model version)
     * @param lastEventTime epoch ms of the latest event seen, or null when none
     * @param state         the learner's {@code inspect(state)} arrays; empty when unreadable
     * @param error         why the state could not be decoded, or null
     */
    record ModelView(String model, boolean champion, String spec, long version, Long lastEventTime,
                     Map<String, double[]> state, String error) {
    }

    /**
     * One model's score for a feature vector, computed without learning.
     *
     * @param fresh  whether the key had no (readable) state for this model, so a new state scored
     * @param stddev predictive standard deviation, or NaN when the learner has none
     * @param lower80 the calibrated central 80% interval's lower end, or NaN (likewise the other three)
     */
    record Score(String model, boolean champion, long version, double mean, double stddev, boolean fresh,
                 double lower80, double upper80, double lower95, double upper95) {
        /** A score without calibrated intervals. */
        Score(String model, boolean champion, long version, double mean, double stddev, boolean fresh) {
            this(model, champion, version, mean, stddev, fresh, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
    }

    /** The result of {@link #score}: per-model scores and the count of feature names the space ignored. */
    record ScoreResult(List<Score> scores, int unknownFeatures) {
    }

    /**
     * The population prior of one model in one task (issue #14): what a new key of that partition
     * starts from once {@code keys} reaches the configured minimum.
     *
     * @param partition          the task's partition
     * @param keys               how many keys contribute
     * @param mean               the population mean (weights, intercept last; sgd's normalized step: then the feature scales)
     * @param covarianceDiagonal the prior variances (Kalman family), or null
     * @param noiseVariance      the keys' mean noise variance, or NaN
     */
    record PriorView(int partition, String model, long keys, double[] mean, double[] covarianceDiagonal, double noiseVariance) {
    }

    /** A page of entity keys in store order, and whether more matched than the limit. */
    record KeyPage(List<String> keys, boolean truncated) {
    }

    /** Where {@code entityKey}'s models live now. */
    Route route(String entityKey);

    /** The models stored here for {@code entityKey}, empty when there are none. */
    List<ModelView> models(String entityKey);

    /**
     * Up to {@code limit} distinct entity keys stored here that start with {@code prefix} (may be "").
     * With several local partitions, which keys make the page when more match is not specified (Kafka
     * Streams scans the partitions one after the other); {@link KeyPage#truncated()} says more matched.
     */
    KeyPage keys(String prefix, int limit);

    /**
     * Scores {@code features} with each configured model's current state for {@code entityKey}, without
     * learning or storing anything.
     *
     * @param time event time (epoch ms) to score at, or null for the time of the key's latest event
     * @throws io.streamlearn.learn.InvalidInputException for non-finite or absurd feature values
     */
    ScoreResult score(String entityKey, Map<String, Double> features, Long time);

    /** The population priors of this instance's active tasks, by partition then model; empty when none. */
    default List<PriorView> priors() {
        return List.of();
    }

    /** The population priors of the task that owns {@code entityKey}, when this instance holds it. */
    default List<PriorView> priorsOf(String entityKey) {
        return List.of();
    }

    /** Other instances of the application ({@code host:port} of their HTTP endpoint). */
    List<String> peers();

    /** The Kafka Streams state name, e.g. {@code RUNNING}. */
    String streamsState();

    /** Whether this instance is serving (Kafka Streams RUNNING or REBALANCING). */
    boolean isServing();

    /**
     * Whether Kafka Streams has been RUNNING at least once since this instance started, i.e. its first
     * tasks were assigned and restored: until then a starting instance is in REBALANCING with nothing
     * restoring <em>yet</em>, and must not count as ready. Default true (an instance known to be running).
     */
    default boolean hasStarted() {
        return true;
    }

    /**
     * Store partitions of active tasks being restored from their changelogs right now (a new or moved
     * task catching up); 0 when every active task is up to date, or when unknown.
     */
    /** How {@code POST /score} reads a record in the events topic's shape; default: today's shape. */
    default FieldMapping eventMapping() {
        return FieldMapping.defaults(FieldMapping.INPUT_PREFIX);
    }

    default int restoringPartitions() {
        return 0;
    }

    /** This instance's {@code host:port} as advertised in {@code application.server}, if any. */
    default Optional<String> self() {
        return Optional.empty();
    }
}
