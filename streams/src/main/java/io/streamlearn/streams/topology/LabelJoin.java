package io.streamlearn.streams.topology;

import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.streams.decode.ConfluentKeyDeserializer;
import io.streamlearn.streams.decode.RegistryInput;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.streams.control.RejectedControlRecords;
import io.streamlearn.streams.housekeeping.KeyHousekeeping;
import io.streamlearn.streams.housekeeping.KeyLifecycle;
import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.streams.map.EntityKey;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.publish.DeadLetters;
import io.streamlearn.streams.score.KeyValueModelStore;
import io.streamlearn.streams.score.ModelSets;
import io.streamlearn.streams.score.ScoringStep;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

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
 *       ({@code malformed-json}, {@code key-mismatch}, {@code non-finite-label}, ...), and so does a label
 *       time too far ahead of the wall clock ({@code future-timestamp}: labels move the clock too).</li>
 * </ul>
 * This processor owns the task's stores, so it also schedules what looks after them: the
 * {@link KeyHousekeeping} punctuations (pending-store sweep, TTL eviction, forget requests with their
 * acknowledgements) and, in the instance of task partition 0, the {@link RejectedControlRecords}
 * punctuation that writes rejected control records to {@code dead-letters}.
 * The application's {@link StreamlearnMeters} count label records by outcome and dead letters by reason,
 * time each joined label, and feed each model's rolling error with the prediction published for the event
 * (kept with its features in the pending store).
 */
final class LabelJoin implements Processor<String, byte[], String, byte[]> {

    public static final String UNKNOWN = "unknown-event";
    public static final String EXPIRED = "expired";
    public static final String DUPLICATE = "duplicate-label";

    private final TopologySettings settings;
    private final RegistryInput registry;
    private final StreamlearnMeters meters;
    private final ErrorSink errors = new ErrorSink();
    private ModelSets sets;
    private KeyValueModelStore models;
    private PendingLabels pending;
    private DeadLetters deadLetters;
    private ProcessorContext<String, byte[]> context;

    /**
     * @param registry the reader of Confluent-framed labels (shared by every task), or null without a schema registry
     */
    LabelJoin(TopologySettings settings, RegistryInput registry) {
        this.registry = registry;
        this.settings = settings;
        this.meters = settings.meters();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        KeyValueStore<String, byte[]> kv = context.getStateStore(settings.storeName());
        KeyValueStore<String, byte[]> pendingStore = context.getStateStore(settings.pendingStoreName());
        this.models = new KeyValueModelStore(kv);
        this.pending = new PendingLabels(pendingStore, settings.labelHorizon().toMillis());
        this.sets = StreamlearnTopology.modelSets(settings, context);
        this.deadLetters = new DeadLetters(context, settings.skipped(), settings.outputFormat(),
                StreamlearnTopology.DEAD_LETTERS_SINK, meters);
        KeyHousekeeping housekeeping = new KeyHousekeeping(context, pending,
                new KeyLifecycle(kv, pendingStore, settings.keyTtl().toMillis()), meters);
        housekeeping.scheduleSweep(settings.labelSweepInterval());
        if (settings.controlled()) {
            ReadOnlyKeyValueStore<String, String> control = context.getStateStore(StreamlearnTopology.CONTROL_STORE);
            housekeeping.scheduleForgetting(control, settings.eventPartitions(), StreamlearnTopology.FORGET_ACKS_SINK);
            if (context.taskId().partition() == 0) {
                new RejectedControlRecords(control, pendingStore, deadLetters).schedule(context);
            }
        }
    }

    /**
     * The decode step of the label route, as {@link ScoreEventsProcessor#decode} for labels. A registry outage is
     * not caught: the record must be read again.
     */
    static Label decode(FieldMapping mapping, RegistryInput registry, String key, byte[] value, long timestamp)
            throws MalformedRecordException, MappingException {
        String recordKey = ConfluentKeyDeserializer.failure(key) == null ? key : null;
        return registry != null && ConfluentCodec.isFramed(value)
                ? registry.label(mapping, value, recordKey, timestamp)
                : mapping.decodeLabel(value, recordKey, timestamp);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        long start = System.nanoTime();
        Label label;
        try {
            label = decode(settings.labelMapping(), registry, record.key(), record.value(), record.timestamp());
        } catch (MalformedRecordException e) {
            meters.labels(StreamlearnMeters.INVALID).increment();
            deadLetters.send(record, e.reason(), e.getMessage());
            return;
        } catch (MappingException e) {
            meters.labels(StreamlearnMeters.INVALID).increment();
            deadLetters.send(record, e.reason(), e.getMessage());
            return;
        }
        EntityKey key = ScoreEventsProcessor.entityKey(record.key(), label.getKey());
        if (!key.valid()) {
            meters.labels(StreamlearnMeters.INVALID).increment();
            deadLetters.send(record, key.reason(), key.detail());
            return;
        }
        String k = key.key();
        String ahead = io.streamlearn.streams.score.FutureTimes.refusal(label.getTs(), context.currentSystemTimeMs(), settings.maxFuture());
        if (ahead != null) {
            meters.labels(StreamlearnMeters.INVALID).increment();
            deadLetters.send(record, ScoreEventsProcessor.FUTURE_TIMESTAMP, ahead);
            return;
        }
        long clock = pending.advanceClock(label.getTs());
        PendingLabels.Entry entry = pending.get(k, label.getId());
        if (entry == null) {
            meters.labels(UNKNOWN).increment();
            deadLetters.send(record, UNKNOWN, "no pending event '" + label.getId() + "' for key '" + k + "'");
            return;
        }
        if (entry.status() == PendingLabels.Status.LABELLED) {
            meters.labels(DUPLICATE).increment();
            deadLetters.send(record, DUPLICATE, "event '" + label.getId() + "' of key '" + k + "' was already labelled");
            return;
        }
        if (entry.status() == PendingLabels.Status.EXPIRED || pending.expired(entry.time(), clock)) {
            meters.labels(EXPIRED).increment();
            deadLetters.send(record, EXPIRED, "event '" + label.getId() + "' at " + entry.time() + " is older than the horizon of "
                    + pending.horizonMs() + " ms at event time " + clock);
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
