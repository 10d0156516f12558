package io.streamlearn.streams.topology;

import io.streamlearn.streams.housekeeping.KeyLifecycle;
import io.streamlearn.streams.control.ModelControlProcessor;
import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.streams.publish.DeadLetters;
import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.streams.score.KeyValueModelStore;
import io.streamlearn.streams.score.ModelSets;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.score.ScoringStep;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * Joins each record of {@code labels} (a {@link Label}: event id, key, ts, label; record key = entity
 * key, so labels are co-partitioned with events) with its event kept in the {@link PendingLabels}
 * store, and makes the key's models learn from the event's features and that label through the shared
 * {@code ScoringStep.learn} over the {@code models} store. Both stores belong to the same task, so
 * under exactly-once the model update and the "labelled" marker are committed in one transaction.
 *
 * <p>The task's event-time clock {@code c} is the largest {@code ts} of the events and labels it has
 * processed (this label's included). For a label of the event of time {@code t}, horizon {@code H}:
 * <ul>
 *   <li>learned, and the event marked labelled, if the event is pending and {@code t >= c - H};</li>
 *   <li>{@value #DUPLICATE}: the event was already labelled (the marker lives until {@code c > t + 2H});</li>
 *   <li>{@value #EXPIRED}: {@code t < c - H} while the event is still known (until {@code c > t + 2H});</li>
 *   <li>{@value #UNKNOWN}: no such event for this key: never seen, carried its label inline, was
 *       dead-lettered, or was forgotten after two horizons;</li>
 *   <li>a decoding, key or label-value problem gets the same reasons as events
 *       ({@code malformed-json}, {@code key-mismatch}, {@code non-finite-label}, ...).</li>
 * </ul>
 * Every {@code sweep-interval} (wall clock) the store is swept by the clock (see {@link PendingLabels}).
 * The instance of task partition 0 also writes the control records the global store rejected to
 * {@code dead-letters} with reason {@code bad-control}, within a second (see {@link ModelControlProcessor}).
 *
 * <p>Key life cycle (see {@link KeyLifecycle}): with a key TTL, the same wall-clock punctuation evicts the
 * keys whose last event is older than the TTL against the task's event-time clock (at most
 * {@link KeyLifecycle#SCAN_BATCH} keys looked at per punctuation, resuming where the last one stopped).
 * With a control topic, every second each task carries out the {@code forget:<key>} requests of the
 * control store whose key it owns (the events-topic partition of the key, by the default partitioner,
 * equals the task's partition), once per request, and acknowledges each on {@code forget-acks}.
 * Metrics (group of {@link ScoreEventsProcessor#METRICS_SCOPE}): {@code labels-joined},
 * {@code labels-unknown}, {@code labels-expired}, {@code labels-duplicate}, {@code keys-evicted},
 * {@code keys-forgotten}, each {@code -total}/{@code -rate}. The application's {@link StreamlearnMeters}
 * count label records by outcome, dead letters by reason, TTL evictions and forgotten keys, time each
 * joined label, and feed each model's rolling error with the prediction published for the event (kept
 * with its features in the pending store).
 */
final class LabelsProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String UNKNOWN = "unknown-event";
    public static final String EXPIRED = "expired";
    public static final String DUPLICATE = "duplicate-label";

    private static final Logger LOG = LoggerFactory.getLogger(LabelsProcessor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Function<ProcessorContext<?, ?>, ModelSets> modelSets;
    private final String modelStoreName;
    private final String pendingStoreName;
    private final long horizonMs;
    private final Duration sweepInterval;
    private final WireFormat outputFormat;
    private final SkippedRecords skipped;
    private final String deadLettersSink;

    private final String controlStoreName;
    private final long keyTtlMs;
    private final IntSupplier eventPartitions;
    private final String forgetAcksSink;
    private ProcessorContext<String, byte[]> context;
    private KeyLifecycle lifecycle;
    private Sensor evicted;
    private Sensor forgotten;
    private KeyValueStore<String, byte[]> rejectedDone;
    private ModelSets sets;
    private KeyValueModelStore models;
    private PendingLabels pending;
    private DeadLetters deadLetters;
    private Sensor joined;
    private Sensor unknown;
    private Sensor expired;
    private Sensor duplicate;
    private final StreamlearnMeters meters;
    private final ErrorSink errors = new ErrorSink();

    /**
     * @param keyTtlMs        time-to-live of idle keys in event time, 0 for none
     * @param eventPartitions the partition count of the events topic (0 while unknown: forget requests wait)
     * @param forgetAcksSink  the sink of forget acknowledgements, or null when there is no control topic
     * @param meters          the application's meters, or {@link StreamlearnMeters#noop()}
     */
    LabelsProcessor(Function<ProcessorContext<?, ?>, ModelSets> modelSets, String modelStoreName, String pendingStoreName, long horizonMs,
                    Duration sweepInterval, WireFormat outputFormat, SkippedRecords skipped, String deadLettersSink,
                    String controlStoreName, long keyTtlMs, IntSupplier eventPartitions, String forgetAcksSink,
                    StreamlearnMeters meters) {
        this.meters = meters;
        this.keyTtlMs = keyTtlMs;
        this.eventPartitions = eventPartitions;
        this.forgetAcksSink = forgetAcksSink;
        this.controlStoreName = controlStoreName;
        this.modelSets = modelSets;
        this.modelStoreName = modelStoreName;
        this.pendingStoreName = pendingStoreName;
        this.horizonMs = horizonMs;
        this.sweepInterval = sweepInterval;
        this.outputFormat = outputFormat;
        this.skipped = skipped;
        this.deadLettersSink = deadLettersSink;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        KeyValueStore<String, byte[]> kv = context.getStateStore(modelStoreName);
        this.models = new KeyValueModelStore(kv);
        this.pending = new PendingLabels(context.getStateStore(pendingStoreName), horizonMs);
        this.sets = modelSets.apply(context);
        this.deadLetters = new DeadLetters(context, skipped, outputFormat, deadLettersSink, meters);
        this.joined = deadLetters.sensor("labels-joined");
        this.unknown = deadLetters.sensor("labels-unknown");
        this.expired = deadLetters.sensor("labels-expired");
        this.duplicate = deadLetters.sensor("labels-duplicate");
        this.context = context;
        this.lifecycle = new KeyLifecycle(kv, context.getStateStore(pendingStoreName), keyTtlMs);
        this.evicted = deadLetters.sensor("keys-evicted");
        this.forgotten = deadLetters.sensor("keys-forgotten");
        context.schedule(sweepInterval, PunctuationType.WALL_CLOCK_TIME, now -> {
            pending.sweep();
            if (lifecycle.ttlEnabled()) {
                int n = lifecycle.evictIdle(pending.clock());
                if (n > 0) {
                    meters.evictions(StreamlearnMeters.TTL).increment(n);
                    for (int i = 0; i < n; i++) {
                        evicted.record();   // the total counts recordings, not values
                    }
                    LOG.info("Task {} evicted {} keys idle for more than {} ms of event time", context.taskId(), n, keyTtlMs);
                }
            }
        });
        if (controlStoreName != null && forgetAcksSink != null) {
            ReadOnlyKeyValueStore<String, String> control = context.getStateStore(controlStoreName);
            context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> forgetRequested(control));
        }
        if (controlStoreName != null && context.taskId().partition() == 0) {
            ReadOnlyKeyValueStore<String, String> control = context.getStateStore(controlStoreName);
            this.rejectedDone = context.getStateStore(pendingStoreName);
            context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> deadLetterRejected(control));
        }
    }

    /**
     * Writes each control record the global store rejected to {@code dead-letters}, once: a marker in
     * this task's (changelogged) pending store remembers which were written, in the same transaction.
     */
    private void deadLetterRejected(ReadOnlyKeyValueStore<String, String> control) {
        try (KeyValueIterator<String, String> it = control.prefixScan(ModelControlProcessor.REJECTED, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                String done = "bad-control" + kv.key;
                if (rejectedDone.get(done) != null) {
                    continue;
                }
                ModelControlProcessor.Rejected r = ModelControlProcessor.Rejected.decode(kv.key, kv.value);
                deadLetters.send(r.topic(), r.partition(), r.offset(), r.key(), r.value(), ModelControl.BAD_CONTROL, r.detail());
                rejectedDone.put(done, new byte[0]);
            }
        }
    }

    /** Carries out the forget requests of the control store for the keys this task owns, once each. */
    private void forgetRequested(ReadOnlyKeyValueStore<String, String> control) {
        int partitions = eventPartitions.getAsInt();
        if (partitions <= 0) {
            return;
        }
        int mine = context.taskId().partition();
        try (KeyValueIterator<String, String> it = control.prefixScan(ModelControlProcessor.FORGET, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                String key = kv.key.substring(ModelControlProcessor.FORGET.length());
                if (KeyLifecycle.partition(key, partitions) != mine || lifecycle.forgotten(key, kv.value)) {
                    continue;
                }
                int removed = lifecycle.forget(key);
                lifecycle.markForgotten(key, kv.value);
                forgotten.record();
                meters.evictions(StreamlearnMeters.FORGET).increment();
                long now = context.currentSystemTimeMs();
                ObjectNode ack = JSON.createObjectNode().put("key", key).put("time", now).put("removed", removed);
                context.forward(new Record<>(key, ack.toString().getBytes(StandardCharsets.UTF_8), now), forgetAcksSink);
                LOG.info("Task {} forgot key '{}' (request {}): {} entries removed", context.taskId(), key, kv.value, removed);
            }
        }
    }

    @Override
    public void close() {
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        long start = System.nanoTime();
        Label label;
        try {
            label = WireCodec.decodeLabel(record.value());
        } catch (MalformedRecordException e) {
            meters.labels(StreamlearnMeters.INVALID).increment();
            deadLetters.send(record, e.reason(), e.getMessage());
            return;
        }
        String[] key = ScoreEventsProcessor.entityKey(record.key(), label.getKey());
        if (key[1] != null) {
            meters.labels(StreamlearnMeters.INVALID).increment();
            deadLetters.send(record, key[1], key[2]);
            return;
        }
        String k = key[0];
        long clock = pending.advanceClock(label.getTs());
        PendingLabels.Entry entry = pending.get(k, label.getId());
        if (entry == null) {
            unknown.record();
            meters.labels(UNKNOWN).increment();
            deadLetters.send(record, UNKNOWN, "no pending event '" + label.getId() + "' for key '" + k + "'");
            return;
        }
        if (entry.status() == PendingLabels.Status.LABELLED) {
            duplicate.record();
            meters.labels(DUPLICATE).increment();
            deadLetters.send(record, DUPLICATE, "event '" + label.getId() + "' of key '" + k + "' was already labelled");
            return;
        }
        if (entry.status() == PendingLabels.Status.EXPIRED || pending.expired(entry.time(), clock)) {
            expired.record();
            meters.labels(EXPIRED).increment();
            deadLetters.send(record, EXPIRED, "event '" + label.getId() + "' at " + entry.time() + " is older than the horizon of "
                    + horizonMs + " ms at event time " + clock);
            return;
        }
        errors.count = 0;
        // The error of what was published for the event; an entry written before predictions were kept is
        // predicted again, by the key's model as it is now, just before it learns.
        boolean published = entry.models() != null;
        try {
            sets.step(k).learn(k, entry.time(), entry.features(), label.getLabel(), models,
                    meters.tracksErrors() && !published ? errors : null);
        } catch (InvalidInputException e) {
            meters.labels(StreamlearnMeters.INVALID).increment();
            deadLetters.send(record, e.reason(), e.getMessage());
            return;
        }
        pending.markLabelled(k, label.getId(), entry.time());
        joined.record();
        if (published && meters.tracksErrors()) {
            for (int i = 0; i < entry.models().length; i++) {
                meters.modelError(entry.models()[i]).record(entry.means()[i], label.getLabel());
            }
        }
        for (int i = 0; i < errors.count; i++) {
            meters.modelError(errors.models[i]).record(errors.means[i], label.getLabel());
        }
        meters.labels(StreamlearnMeters.JOINED).increment();
        meters.recordLabelProcessing(System.nanoTime() - start);
    }

    /** Keeps each model's prediction of the event before it learns the label; one instance, reused. */
    private static final class ErrorSink implements ScoringStep.Sink {
        private String[] models = new String[4];
        private double[] means = new double[4];
        private int count;

        @Override
        public void accept(String model, boolean champion, long version, double mean, double stddev) {
            if (count == models.length) {
                models = java.util.Arrays.copyOf(models, 2 * count);
                means = java.util.Arrays.copyOf(means, 2 * count);
            }
            models[count] = model;
            means[count++] = mean;
        }
    }
}
