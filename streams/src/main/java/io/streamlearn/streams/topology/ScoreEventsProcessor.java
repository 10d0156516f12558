package io.streamlearn.streams.topology;

import io.streamlearn.streams.housekeeping.KeyLifecycle;
import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.streams.publish.DeadLetters;
import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.streams.score.KeyValueModelStore;
import io.streamlearn.streams.score.ModelSets;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.score.ScoringStep;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;

/**
 * The processor of the event route: raw bytes from {@code events} → decode (Avro single-object
 * or JSON, detected per record) → check the key → the {@link ScoringStep} of the key's model set
 * (configured, or from {@code model-control}, see {@link ModelControl}) over the task's {@code models}
 * store → a {@link Prediction} per model to {@code predictions} (champion) or
 * {@code predictions-shadow} (challengers). An event without a label is then kept in the pending-label
 * store until its label arrives on {@code labels} (see {@link LabelsProcessor}); an event with an inline
 * label is learned at once and not kept. A record that cannot be decoded or is invalid becomes a
 * {@link DeadLetter} on {@code dead-letters} with a reason, and processing goes on. Reasons:
 * <ul>
 *   <li>the decoder's: {@code empty} (null or blank value), {@code malformed-json}, {@code malformed-avro},
 *       {@code unknown-format}, {@code unknown-schema}, {@code missing-field}, {@code wrong-type},
 *       {@code bad-timestamp} (see {@link MalformedRecordException});</li>
 *   <li>the learners' input checks, e.g. {@code non-finite-feature}, {@code non-finite-label}, {@code absurd-feature}
 *       (see {@link InvalidInputException#reason()});</li>
 *   <li>{@value #MISSING_KEY}: neither the record nor the event names an entity key;</li>
 *   <li>{@value #KEY_MISMATCH}: the record key and the event's key differ (the record key decides the
 *       partition, so the event would be scored against another key's model);</li>
 *   <li>{@value #INVALID_KEY}: the key contains U+0000, which the store reserves;</li>
 *   <li>{@value KeyLifecycle#MAX_KEYS}: with {@code streamlearn.max-keys} = M &gt; 0, the key has no model
 *       state yet and the task's models store holds M or more entries (approximately, one per key and
 *       model): new keys get no model, keys that have one keep working.</li>
 * </ul>
 * With a key TTL, the key's last event time is recorded for eviction (see {@link KeyLifecycle}).
 * Each dead letter is also counted in the application's {@link SkippedRecords} and in the task's
 * metrics (see {@link #METRICS_SCOPE}), and logged (rate-limited). The application's
 * {@link StreamlearnMeters} count events by outcome, predictions by model and role, dead letters by
 * reason and max-keys refusals, time the processing of each scored event and its event-to-output
 * latency, and feed each model's rolling error with the inline-labelled events (predicted before learned).
 * When the record key is null or empty the event's key is used; that is only consistent when the
 * events topic has one partition or when producers key their records (as they should).
 */
public final class ScoreEventsProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String MISSING_KEY = "missing-key";
    public static final String KEY_MISMATCH = "key-mismatch";
    public static final String INVALID_KEY = "invalid-key";
    /**
     * Metrics group {@code stream-streamlearn-metrics}, one set per task (tag {@code streamlearn-id}):
     * {@code predictions-total}/{@code -rate} and {@code dead-letters-<reason>-total}/{@code -rate}; the
     * labels processor adds {@code labels-joined}, {@code labels-unknown}, {@code labels-expired},
     * {@code labels-duplicate}.
     */
    public static final String METRICS_SCOPE = DeadLetters.METRICS_SCOPE;

    private static final Logger LOG = LoggerFactory.getLogger(ScoreEventsProcessor.class);

    private final Function<ProcessorContext<?, ?>, ModelSets> modelSets;
    private final String storeName;
    private final String pendingStoreName;
    private final long horizonMs;
    private final WireFormat outputFormat;
    private final SkippedRecords skipped;
    private final String predictionsSink;
    private final String shadowSink;
    private final String deadLettersSink;
    private final PredictionSink sink = new PredictionSink();
    private final long keyTtlMs;
    private final long maxKeys;
    private final StreamlearnMeters meters;
    private KeyLifecycle lifecycle;
    private long refusedNewKeys;

    private ProcessorContext<String, byte[]> context;
    private ModelSets sets;
    private KeyValueModelStore store;
    private PendingLabels pending;
    private DeadLetters deadLetters;
    private Sensor predictionsSensor;

    /**
     * @param pendingStoreName the store of events awaiting their label, or null to keep none (then
     *                         unlabelled events are only scored)
     */
    ScoreEventsProcessor(Function<ProcessorContext<?, ?>, ModelSets> modelSets, String storeName, String pendingStoreName, long horizonMs,
                         WireFormat outputFormat, SkippedRecords skipped, String predictionsSink, String shadowSink,
                         String deadLettersSink) {
        this(modelSets, storeName, pendingStoreName, horizonMs, outputFormat, skipped, predictionsSink, shadowSink,
                deadLettersSink, 0, 0, StreamlearnMeters.noop());
    }

    /**
     * @param keyTtlMs time-to-live of idle keys (0: none); needs a pending store
     * @param maxKeys  the models-store entry count beyond which new keys get no model (0: no limit)
     * @param meters   the application's meters, or {@link StreamlearnMeters#noop()}
     */
    ScoreEventsProcessor(Function<ProcessorContext<?, ?>, ModelSets> modelSets, String storeName, String pendingStoreName, long horizonMs,
                         WireFormat outputFormat, SkippedRecords skipped, String predictionsSink, String shadowSink,
                         String deadLettersSink, long keyTtlMs, long maxKeys, StreamlearnMeters meters) {
        this.meters = meters;
        this.keyTtlMs = keyTtlMs;
        this.maxKeys = maxKeys;
        this.modelSets = modelSets;
        this.storeName = storeName;
        this.pendingStoreName = pendingStoreName;
        this.horizonMs = horizonMs;
        this.outputFormat = outputFormat;
        this.skipped = skipped;
        this.predictionsSink = predictionsSink;
        this.shadowSink = shadowSink;
        this.deadLettersSink = deadLettersSink;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        KeyValueStore<String, byte[]> kv = context.getStateStore(storeName);
        this.store = new KeyValueModelStore(kv);
        if (pendingStoreName != null) {
            this.pending = new PendingLabels(context.getStateStore(pendingStoreName), horizonMs);
            this.lifecycle = new KeyLifecycle(kv, context.getStateStore(pendingStoreName), keyTtlMs);
        } else {
            this.lifecycle = new KeyLifecycle(kv, null, 0);
        }
        this.sets = modelSets.apply(context);
        this.deadLetters = new DeadLetters(context, skipped, outputFormat, deadLettersSink, meters);
        this.predictionsSensor = deadLetters.sensor("predictions");
    }

    @Override
    public void close() {
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    /**
     * The entity key of a record: {key, null, null}, or {null, reason, detail} when it has none, when
     * the record key and the body's key differ, or when it contains U+0000.
     */
    static String[] entityKey(String recordKey, String bodyKey) {
        String key = recordKey;
        if (key == null || key.isEmpty()) {
            if (bodyKey == null || bodyKey.isEmpty()) {
                return new String[]{null, MISSING_KEY, "neither the record nor its value has a key"};
            }
            key = bodyKey;
        } else if (bodyKey != null && !bodyKey.isEmpty() && !bodyKey.equals(key)) {
            return new String[]{null, KEY_MISMATCH, "record key '" + key + "' but value key '" + bodyKey + "'"};
        }
        if (key.indexOf('\u0000') >= 0) {
            return new String[]{null, INVALID_KEY, "the key contains U+0000"};
        }
        return new String[]{key, null, null};
    }

    @Override
    public void process(Record<String, byte[]> record) {
        long start = System.nanoTime();
        Event event;
        try {
            event = WireCodec.decodeEvent(record.value());
        } catch (MalformedRecordException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        }
        String[] k = entityKey(record.key(), event.getKey());
        if (k[1] != null) {
            deadLetter(record, k[1], k[2]);
            return;
        }
        String key = k[0];
        Double label = event.getLabel();
        if (label != null && label.isNaN()) {
            // ScoringStep reads NaN as "no label"; a label that is present but NaN is bad input.
            deadLetter(record, "non-finite-label", "label is NaN");
            return;
        }
        if (maxKeys > 0 && refuseNewKey(record, key)) {
            return;
        }
        sink.begin(record, key, event);
        try {
            sets.step(key).score(key, event.getTs(), event.getFeatures(), label == null ? Double.NaN : label, store, sink);
        } catch (InvalidInputException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        } finally {
            sink.end();
        }
        if (pending != null) {
            // the task's event-time clock counts every scored event, labelled or not (labels expire and keys idle by it)
            pending.advanceClock(event.getTs());
            lifecycle.touch(key, event.getTs());
        }
        if (label == null && pending != null) {
            // the published predictions wait with the features: the rolling error of a late label is that of what was published
            pending.add(key, event.getId(), event.getTs(), event.getFeatures(),
                    meters.tracksErrors() ? sink.models : null, sink.means, sink.count);
        }
        sink.recordErrors(label);
        meters.eventsScored().increment();
        meters.recordEventProcessing(System.nanoTime() - start);
    }

    /** The max-keys guard: dead-letters the event of a key without a model when the store is full. */
    private boolean refuseNewKey(Record<String, byte[]> record, String key) {
        List<String> models = sets.models(key);
        if (lifecycle.hasModel(key, models)) {
            return false;
        }
        long entries = lifecycle.approximateModelEntries();
        if (entries < maxKeys) {
            return false;
        }
        if (refusedNewKeys++ % 10_000 == 0) {
            LOG.warn("Task {}: models store holds ~{} entries, the limit streamlearn.max-keys={}; new key '{}' gets no model "
                    + "(its events go to dead-letters with reason max-keys; {} refused so far)", context.taskId(), entries,
                    maxKeys, key, refusedNewKeys);
        }
        meters.evictions(StreamlearnMeters.MAX_KEYS).increment();
        deadLetter(record, KeyLifecycle.MAX_KEYS, "the task's models store holds ~" + entries
                + " entries, at the limit streamlearn.max-keys=" + maxKeys + ": no model for the new key '" + key + "'");
        return true;
    }

    private void deadLetter(Record<String, byte[]> record, String reason, String detail) {
        meters.eventsDeadLettered().increment();
        deadLetters.send(record, reason, detail);
    }

    /** Receives ScoringStep's predictions for the record being processed; one instance, reused. */
    private final class PredictionSink implements ScoringStep.Sink {
        /** Reused for every prediction: only its encoded bytes leave this class. */
        private final Prediction prediction = new Prediction();
        private Record<String, byte[]> record;
        private String key;
        private Event event;
        /** The models and predictions of the event, kept until it was scored and learned without error. */
        private String[] models = new String[4];
        private double[] means = new double[4];
        private int count;

        void begin(Record<String, byte[]> record, String key, Event event) {
            this.record = record;
            this.key = key;
            this.event = event;
            this.count = 0;
        }

        /** Feeds the rolling errors with the predictions of an event scored with its inline label. */
        void recordErrors(Double label) {
            if (label != null && meters.tracksErrors()) {
                for (int i = 0; i < count; i++) {
                    meters.modelError(models[i]).record(means[i], label);
                }
            }
            count = 0;
        }

        void end() {
            record = null;
            event = null;
        }

        @Override
        public void accept(String model, boolean champion, long version, double mean, double stddev) {
            prediction.setId(event.getId());
            prediction.setKey(key);
            prediction.setTs(event.getTs());
            prediction.setModel(model);
            prediction.setVersion(version);
            prediction.setPrediction(mean);
            prediction.setStddev(Double.isNaN(stddev) ? null : stddev);
            prediction.setLabel(event.getLabel());
            byte[] bytes = WireCodec.encode(prediction, outputFormat);
            context.forward(record.withKey(key).withValue(bytes), champion ? predictionsSink : shadowSink);
            meters.predictions(model, champion).increment();
            if (champion) {
                predictionsSensor.record();
                meters.recordEventToOutput(event.getTs(), System.currentTimeMillis());
            }
            if (count == models.length) {
                models = java.util.Arrays.copyOf(models, 2 * count);
                means = java.util.Arrays.copyOf(means, 2 * count);
            }
            models[count] = model;
            means[count++] = mean;
        }
    }
}
