package io.streamlearn.streams.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.metrics.Loss;
import io.streamlearn.learn.metrics.RollingMetric;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The application's own meters, created once per application on a {@link MeterRegistry} and handed to
 * the topology's processors, which increment pre-resolved handles: a per-event call is a map lookup by
 * a String already in hand (model name, reason) and an add, with no tag arrays or names built per event.
 * Prometheus names (Micrometer adds {@code _total} to counters and {@code _seconds} to timers):
 * <ul>
 *   <li>{@code streamlearn_events_total{outcome=scored|dead-letter}}: records read from the events topic;</li>
 *   <li>{@code streamlearn_predictions_total{model,role=champion|shadow}}: predictions written;</li>
 *   <li>{@code streamlearn_labels_total{outcome=joined|unknown-event|expired|duplicate-label|invalid}}:
 *       records read from the labels topic ({@code invalid}: undecodable, bad key or bad label value);</li>
 *   <li>{@code streamlearn_dead_letters_total{reason}}: dead letters written, whatever their source;</li>
 *   <li>{@code streamlearn_evictions_total{cause=ttl|forget|max-keys}}: keys evicted for idling past the
 *       TTL, keys forgotten on request, and events refused a model by the max-keys guard;</li>
 *   <li>{@code streamlearn_model_error{model,metric}}: the rolling prequential error of each model on this
 *       instance (see {@link ModelError});</li>
 *   <li>{@code streamlearn_event_to_output_seconds}: histogram of wall-clock time at which an event's
 *       champion prediction is forwarded minus the event's timestamp (negative differences, events from
 *       the future, count as 0);</li>
 *   <li>{@code streamlearn_processing_seconds{route=events|labels}}: histogram of the time one scored event,
 *       or one joined label, spends in its processor (decode, score or learn, store, forward);</li>
 *   <li>{@code streamlearn_store_entries{store}}: approximate entries of the task stores this instance runs
 *       (after {@link #bindStores}); NaN while the stores cannot be queried (e.g. rebalancing).</li>
 * </ul>
 * The histograms have fixed buckets ({@link #EVENT_TO_OUTPUT_BUCKETS}, {@link #PROCESSING_BUCKETS}).
 * Under exactly-once a counter counts processing attempts: the records of an aborted transaction are
 * processed again and counted again, so counters may exceed the committed outputs after a failure.
 * Thread-safe: stream threads share one instance. One instance per registry: a second one on the same
 * registry shares its counters (the registry keeps one meter per name and tags), but its error and store
 * gauges would not be registered.
 *
 * <pre>{@code
 * StreamlearnMeters meters = new StreamlearnMeters(new SimpleMeterRegistry());
 * meters.predictions("sgd:lr=0.1", true).increment();
 * meters.modelError("sgd:lr=0.1").record(2.5, 3.0);
 * meters.modelError("sgd:lr=0.1").value("mse");   // 0.25
 * }</pre>
 */
public final class StreamlearnMeters implements AutoCloseable {

    /** Labelled events each model's rolling error averages over, by default. */
    public static final int DEFAULT_ERROR_WINDOW = 1000;

    public static final String SCORED = "scored";
    public static final String DEAD_LETTER = "dead-letter";
    public static final String JOINED = "joined";
    /** Label outcome of a label record that could not be decoded, had a bad key or a bad value. */
    public static final String INVALID = "invalid";
    public static final String TTL = "ttl";
    public static final String FORGET = "forget";
    public static final String MAX_KEYS = "max-keys";
    /** Label outcomes other than {@link #JOINED} and {@link #INVALID}; equal to the labels processor's dead-letter reasons. */
    public static final List<String> LABEL_OUTCOMES = List.of(JOINED, "unknown-event", "expired", "duplicate-label", INVALID);

    /** Bucket bounds of {@code streamlearn_event_to_output_seconds}: 1 ms to 1 h. */
    public static final List<Duration> EVENT_TO_OUTPUT_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
            10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000);
    /** Bucket bounds of {@code streamlearn_processing_seconds}: 10 µs to 1 s. */
    public static final List<Duration> PROCESSING_BUCKETS = List.of(Duration.ofNanos(10_000), Duration.ofNanos(25_000),
            Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(100), Duration.ofMillis(1000));

    private static final StreamlearnMeters NOOP = new StreamlearnMeters(new CompositeMeterRegistry(), 1, false);

    private final MeterRegistry registry;
    private final int errorWindow;
    private final boolean tracksErrors;
    private final Counter eventsScored;
    private final Counter eventsDeadLettered;
    private final Map<String, Counter> labels = new ConcurrentHashMap<>();
    private final Map<String, Counter> evictions = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, Counter> champion = new ConcurrentHashMap<>();
    private final Map<String, Counter> shadow = new ConcurrentHashMap<>();
    private final Map<String, ModelError> errors = new ConcurrentHashMap<>();
    private final Timer eventToOutput;
    private final Timer eventProcessing;
    private final Timer labelProcessing;
    private final List<Meter> storeGauges = new ArrayList<>();

    /** Meters on {@code registry}, with rolling errors over {@link #DEFAULT_ERROR_WINDOW} labelled events. */
    public StreamlearnMeters(MeterRegistry registry) {
        this(registry, DEFAULT_ERROR_WINDOW);
    }

    /** @param errorWindow labelled events each model's rolling error averages over, at least 1 */
    public StreamlearnMeters(MeterRegistry registry, int errorWindow) {
        this(registry, errorWindow, true);
    }

    private StreamlearnMeters(MeterRegistry registry, int errorWindow, boolean tracksErrors) {
        if (errorWindow < 1) {
            throw new IllegalArgumentException("errorWindow must be >= 1, got " + errorWindow);
        }
        this.registry = registry;
        this.errorWindow = errorWindow;
        this.tracksErrors = tracksErrors;
        this.eventsScored = events(SCORED);
        this.eventsDeadLettered = events(DEAD_LETTER);
        for (String outcome : LABEL_OUTCOMES) {
            labels.put(outcome, Counter.builder("streamlearn.labels").tag("outcome", outcome)
                    .description("Records read from the labels topic, by outcome").register(registry));
        }
        for (String cause : List.of(TTL, FORGET, MAX_KEYS)) {
            evictions.put(cause, Counter.builder("streamlearn.evictions").tag("cause", cause)
                    .description("Keys evicted (ttl), forgotten (forget), and events refused a model (max-keys)")
                    .register(registry));
        }
        this.eventToOutput = Timer.builder("streamlearn.event.to.output")
                .description("Wall-clock time of the champion prediction minus the event timestamp")
                .serviceLevelObjectives(EVENT_TO_OUTPUT_BUCKETS.toArray(Duration[]::new))
                .register(registry);
        this.eventProcessing = processing("events");
        this.labelProcessing = processing("labels");
    }

    /**
     * Counters, timers and gauges on {@code registry} without the rolling model errors (which cost one
     * more predict per model for each label joined late): for benchmarks and tests that count outcomes.
     */
    public static StreamlearnMeters withoutErrors(MeterRegistry registry) {
        return new StreamlearnMeters(registry, 1, false);
    }

    /**
     * Meters that record nothing and track no errors, for topologies run without a registry
     * (TopologyTestDriver tests, benchmarks). Shared.
     */
    public static StreamlearnMeters noop() {
        return NOOP;
    }

    /**
     * Whether {@link ModelError}s record anything: false for {@link #noop()}, so that callers can skip
     * computing the predictions they would feed (a label joined late costs one more predict per model).
     */
    public boolean tracksErrors() {
        return tracksErrors;
    }

    /** The registry the meters are on. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Events scored (at least one prediction written and the event stored or learned). */
    public Counter eventsScored() {
        return eventsScored;
    }

    /** Events that became a dead letter. */
    public Counter eventsDeadLettered() {
        return eventsDeadLettered;
    }

    /**
     * Label records of an outcome, one of {@link #LABEL_OUTCOMES}.
     *
     * @throws IllegalArgumentException for another outcome
     */
    public Counter labels(String outcome) {
        Counter c = labels.get(outcome);
        if (c == null) {
            throw new IllegalArgumentException("unknown label outcome '" + outcome + "', expected one of " + LABEL_OUTCOMES);
        }
        return c;
    }

    /**
     * Evictions of a cause: {@link #TTL}, {@link #FORGET} or {@link #MAX_KEYS}.
     *
     * @throws IllegalArgumentException for another cause
     */
    public Counter evictions(String cause) {
        Counter c = evictions.get(cause);
        if (c == null) {
            throw new IllegalArgumentException("unknown eviction cause '" + cause + "'");
        }
        return c;
    }

    /** Dead letters of a reason (registered on first use). */
    public Counter deadLetters(String reason) {
        Counter c = deadLetters.get(reason);
        return c != null ? c : deadLetters.computeIfAbsent(reason, r -> Counter.builder("streamlearn.dead.letters")
                .tag("reason", r).description("Dead letters written, by reason").register(registry));
    }

    /** Predictions of a model in a role (registered on first use). */
    public Counter predictions(String model, boolean isChampion) {
        Map<String, Counter> m = isChampion ? champion : shadow;
        Counter c = m.get(model);
        return c != null ? c : m.computeIfAbsent(model, name -> Counter.builder("streamlearn.predictions")
                .tag("model", name).tag("role", isChampion ? "champion" : "shadow")
                .description("Predictions written, by model and role").register(registry));
    }

    /** The rolling error of a model (its gauges registered on first use). */
    public ModelError modelError(String model) {
        ModelError e = errors.get(model);
        return e != null ? e : errors.computeIfAbsent(model, this::newModelError);
    }

    /** Records the event-to-output latency of one event. */
    public void recordEventToOutput(long eventTimeMs, long nowMs) {
        eventToOutput.record(Math.max(0, nowMs - eventTimeMs), TimeUnit.MILLISECONDS);
    }

    /** Records the processing time of one scored event. */
    public void recordEventProcessing(long nanos) {
        eventProcessing.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Records the processing time of one joined label. */
    public void recordLabelProcessing(long nanos) {
        labelProcessing.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Registers {@code streamlearn_store_entries{store=...}} for each named key-value store: the sum of
     * {@code approximateNumEntries()} over this instance's active tasks, read through interactive queries
     * at each scrape. For RocksDB that is the property {@code rocksdb.estimate-num-keys}, which counts an
     * overwritten or deleted key until compaction merges it, so it overestimates after many updates. The
     * pending-labels store also holds labelled and expired markers, time indexes and last-seen times, not
     * only events awaiting their label.
     */
    public synchronized void bindStores(KafkaStreams streams, String... storeNames) {
        for (String name : storeNames) {
            storeGauges.add(Gauge.builder("streamlearn.store.entries", streams, s -> approximateEntries(s, name))
                    .tag("store", name).description("Approximate entries of the instance's active task stores")
                    .register(registry));
        }
    }

    private static double approximateEntries(KafkaStreams streams, String store) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()))
                    .approximateNumEntries();
        } catch (InvalidStateStoreException | IllegalStateException e) {
            return Double.NaN;
        }
    }

    /** Removes the store gauges (which refer to the Kafka Streams instance); the counters stay. */
    @Override
    public synchronized void close() {
        storeGauges.forEach(registry::remove);
        storeGauges.clear();
    }

    private Counter events(String outcome) {
        return Counter.builder("streamlearn.events").tag("outcome", outcome)
                .description("Records read from the events topic, by outcome").register(registry);
    }

    private Timer processing(String route) {
        return Timer.builder("streamlearn.processing").tag("route", route)
                .description("Time a scored event or a joined label spends in its processor")
                .serviceLevelObjectives(PROCESSING_BUCKETS.toArray(Duration[]::new))
                .register(registry);
    }

    private ModelError newModelError(String model) {
        ModelError e = new ModelError(isLogistic(model), errorWindow, tracksErrors);
        if (tracksErrors) {
            for (String metric : e.metrics()) {
                Gauge.builder("streamlearn.model.error", e, x -> x.value(metric)).tag("model", model).tag("metric", metric)
                        .description("Rolling prequential error of the model over its recent labelled events on this instance")
                        .register(registry);
            }
        }
        return e;
    }

    /** Whether a SPEC's readout is a logistic model (its predictions are probabilities of a 0/1 label). */
    static boolean isLogistic(String spec) {
        try {
            return "logistic".equals(ModelSpec.parse(spec).readout().params().get("loss"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static List<Duration> millis(long... ms) {
        List<Duration> out = new ArrayList<>();
        for (long m : ms) {
            out.add(Duration.ofMillis(m));
        }
        return List.copyOf(out);
    }

    /**
     * The rolling prequential error of one model on this instance: every labelled event is predicted
     * before its label is learned, and the error of that prediction is averaged over the model's last
     * {@code window} labelled events (all keys and tasks of the instance; a ring of the per-event losses,
     * see {@link RollingMetric}). The prediction is the one written to the output, for an inline label
     * and for a label that arrives later alike (the pending event keeps its published predictions; an
     * entry written by a version that did not keep them is predicted again when its label is joined).
     * The loss is recorded when the label is learned. Metrics:
     * {@code mse} and {@code mae} for regression models; {@code logloss} and {@code error_rate} (the
     * prediction on the wrong side of 0.5) for logistic ones ({@code loss=logistic}). NaN before the first
     * labelled event. Thread-safe (a lock per model).
     */
    public static final class ModelError {
        private final boolean logistic;
        private final boolean enabled;
        private final RollingMetric first;
        private final RollingMetric second;

        ModelError(boolean logistic, int window, boolean enabled) {
            this.logistic = logistic;
            this.enabled = enabled;
            this.first = RollingMetric.of(logistic ? Loss.LOG : Loss.SQUARED, window);
            this.second = RollingMetric.of(logistic ? Loss.ACCURACY : Loss.ABSOLUTE, window);
        }

        /** The metric names this model reports. */
        public List<String> metrics() {
            return logistic ? List.of("logloss", "error_rate") : List.of("mse", "mae");
        }

        /** Adds the error of one prediction made before its label was learned. */
        public void record(double prediction, double label) {
            if (!enabled) {
                return;
            }
            synchronized (this) {
                first.update(prediction, label);
                second.update(prediction, label);
            }
        }

        /** The current value of a metric of {@link #metrics()}, or NaN. */
        public synchronized double value(String metric) {
            if (metric.equals(logistic ? "logloss" : "mse")) {
                return first.value();
            }
            if (metric.equals(logistic ? "error_rate" : "mae")) {
                return logistic ? 1.0 - second.value() : second.value();
            }
            throw new IllegalArgumentException("unknown metric '" + metric + "', expected one of " + metrics());
        }

        /** Labelled events in the window now. */
        public synchronized long count() {
            return first.count();
        }
    }
}
