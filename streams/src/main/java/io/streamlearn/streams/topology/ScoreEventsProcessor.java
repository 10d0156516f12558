package io.streamlearn.streams.topology;

import io.streamlearn.streams.housekeeping.KeyLifecycle;
import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.streams.publish.DeadLetters;
import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.streams.score.FutureTimes;
import io.streamlearn.streams.score.KeyValueModelStore;
import io.streamlearn.streams.score.ModelSets;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.streams.decode.ConfluentKeyDeserializer;
import io.streamlearn.streams.decode.RegistryInput;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.score.ScoringStep;
import io.streamlearn.streams.map.EntityKey;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The processor of the event route: raw bytes from {@code events} → decode (Avro single-object
 * or JSON, detected per record) → check the key → the {@link ScoringStep} of the key's model set
 * (configured, or from {@code model-control}, see {@link ModelControl}) over the task's {@code models}
 * store → a {@link Prediction} per model to {@code predictions} (champion) or
 * {@code predictions-shadow} (challengers). An event without a label is then kept in the pending-label
 * store until its label arrives on {@code labels} (see {@link LabelJoin}); an event with an inline
 * label is learned at once and not kept. A record that cannot be decoded or is invalid becomes a
 * {@link DeadLetter} on {@code dead-letters} with a reason, and processing goes on. Reasons:
 * <ul>
 *   <li>the decoder's: {@code empty} (null or blank value), {@code malformed-json}, {@code malformed-avro},
 *       {@code unknown-format}, {@code unknown-schema}, {@code missing-field}, {@code wrong-type},
 *       {@code bad-timestamp} (see {@link MalformedRecordException});</li>
 *   <li>with a field mapping ({@code streamlearn.input.*}, see {@link FieldMapping}), the mapping's:
 *       {@code unmapped-key}, {@code unmapped-timestamp}, {@code bad-label}, {@code unmapped-id},
 *       {@code bad-feature}, the detail starting with the field path (see {@link MappingException});</li>
 *   <li>the learners' input checks, e.g. {@code non-finite-feature}, {@code non-finite-label}, {@code absurd-feature}
 *       (see {@link InvalidInputException#reason()});</li>
 *   <li>{@value #MISSING_KEY}: neither the record nor the event names an entity key;</li>
 *   <li>{@value #KEY_MISMATCH}: the record key and the event's key differ (the record key decides the
 *       partition, so the event would be scored against another key's model);</li>
 *   <li>{@value #INVALID_KEY}: the key contains U+0000, which the store reserves;</li>
 *   <li>{@value #FUTURE_TIMESTAMP}: the event time is further ahead of the instance's wall clock than
 *       {@code streamlearn.max-future} (default 1 h): it would move the task's event-time clock into the
 *       future for good, expiring every pending label and, with a key TTL, every key (see
 *       {@link FutureTimes});</li>
 *   <li>{@value KeyLifecycle#MAX_KEYS}: with {@code streamlearn.max-keys} = M &gt; 0, the key has no model
 *       state yet and the task's models store holds M or more entries (approximately, one per key and
 *       model): new keys get no model, keys that have one keep working.</li>
 * </ul>
 * With a key TTL, the key's last event time is recorded for eviction (see {@link KeyLifecycle}).
 * Each dead letter is also counted in the application's {@link SkippedRecords} and logged
 * (rate-limited). The application's
 * {@link StreamlearnMeters} count events by outcome, predictions by model and role, dead letters by
 * reason and max-keys refusals, time the processing of each scored event and its event-to-output
 * latency, and feed each model's rolling error with the inline-labelled events (predicted before learned).
 * When the record key is null or empty the event's key is used; that is only consistent when the
 * events topic has one partition or when producers key their records (as they should).
 */
public final class ScoreEventsProcessor implements Processor<String, byte[], String, byte[]> {

    /** Dead-letter reasons of a record without a usable entity key (see {@link EntityKey}). */
    public static final String MISSING_KEY = EntityKey.MISSING_KEY;
    public static final String KEY_MISMATCH = EntityKey.KEY_MISMATCH;
    public static final String INVALID_KEY = EntityKey.INVALID_KEY;
    /** Dead-letter reason of an event or label time too far ahead of the wall clock ({@link FutureTimes}). */
    public static final String FUTURE_TIMESTAMP = FutureTimes.REASON;

    private static final Logger LOG = LoggerFactory.getLogger(ScoreEventsProcessor.class);

    private final TopologySettings settings;
    private final String shadowSink;
    private final PredictionSink sink = new PredictionSink();
    private final StreamlearnMeters meters;
    private KeyLifecycle lifecycle;
    private long refusedNewKeys;

    private final FieldMapping mapping;

    private ProcessorContext<String, byte[]> context;
    private ModelSets sets;
    private KeyValueModelStore store;
    private PendingLabels pending;
    private DeadLetters deadLetters;
    private final RegistryInput registry;

    /**
     * @param registry the reader of Confluent-framed values (shared by every task), or null without a schema
     *                 registry (then such values are {@code unknown-format})
     */
    ScoreEventsProcessor(TopologySettings settings, RegistryInput registry) {
        this.settings = settings;
        this.registry = registry;
        this.meters = settings.meters();
        this.shadowSink = settings.shadow() ? StreamlearnTopology.SHADOW_SINK : StreamlearnTopology.PREDICTIONS_SINK;
        this.mapping = settings.eventMapping();
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        KeyValueStore<String, byte[]> kv = context.getStateStore(settings.storeName());
        KeyValueStore<String, byte[]> pendingStore = context.getStateStore(settings.pendingStoreName());
        this.store = new KeyValueModelStore(kv);
        this.pending = new PendingLabels(pendingStore, settings.labelHorizon().toMillis());
        this.lifecycle = new KeyLifecycle(kv, pendingStore, settings.keyTtl().toMillis());
        this.sets = StreamlearnTopology.modelSets(settings, context);
        this.deadLetters = new DeadLetters(context, settings.skipped(), settings.outputFormat(),
                StreamlearnTopology.DEAD_LETTERS_SINK, meters);
    }

    /**
     * The entity key as {@link EntityKey#of}, or the reason a Confluent-framed record key did not decode
     * (see {@link ConfluentKeyDeserializer}).
     */
    static EntityKey entityKey(String recordKey, String bodyKey) {
        String[] undecodable = ConfluentKeyDeserializer.failure(recordKey);
        return undecodable != null ? new EntityKey(null, undecodable[0], undecodable[1]) : EntityKey.of(recordKey, bodyKey);
    }

    /**
     * The decode step of the event route: a Confluent-framed value through the registry, anything else through the
     * field mapping (today's shape by default). A registry outage ({@code RegistryUnavailableException}) is not
     * caught: the record must be read again.
     *
     * @param registry null without a schema registry
     * @throws MalformedRecordException the decoder's reasons
     * @throws MappingException         the mapping's reasons
     */
    static Event decode(FieldMapping mapping, RegistryInput registry, String key, byte[] value, long timestamp)
            throws MalformedRecordException, MappingException {
        String recordKey = ConfluentKeyDeserializer.failure(key) == null ? key : null;
        return registry != null && ConfluentCodec.isFramed(value)
                ? registry.event(mapping, value, recordKey, timestamp)
                : mapping.decodeEvent(value, recordKey, timestamp);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        long start = System.nanoTime();
        Event event;
        try {
            event = decode(mapping, registry, record.key(), record.value(), record.timestamp());
        } catch (MalformedRecordException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        } catch (MappingException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        }
        EntityKey k = entityKey(record.key(), event.getKey());
        if (!k.valid()) {
            deadLetter(record, k.reason(), k.detail());
            return;
        }
        String key = k.key();
        String ahead = FutureTimes.refusal(event.getTs(), context.currentSystemTimeMs(), settings.maxFuture());
        if (ahead != null) {
            deadLetter(record, FUTURE_TIMESTAMP, ahead);
            return;
        }
        Double label = event.getLabel();
        if (label != null && label.isNaN()) {
            // ScoringStep reads NaN as "no label"; a label that is present but NaN is bad input.
            deadLetter(record, "non-finite-label", "label is NaN");
            return;
        }
        if (settings.maxKeys() > 0 && refuseNewKey(record, key)) {
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
        // the task's event-time clock counts every scored event, labelled or not (labels expire and keys idle by it)
        pending.advanceClock(event.getTs());
        lifecycle.touch(key, event.getTs());
        if (label == null) {
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
        long maxKeys = settings.maxKeys();
        List<String> models = sets.models(key);
        if (lifecycle.hasModel(key, models)) {
            return false;
        }
        long entries = lifecycle.approximateModelEntries();
        ScoringStep step = sets.step(key);
        int priors = step.populationModels();
        if (priors > 0) {
            // a key that learned keeps one more entry per model with a population prior: its contribution
            int m = step.models().size();
            entries = entries * m / (m + priors);
        }
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
            publish(model, champion, version, mean, stddev, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }

        @Override
        public void accept(String model, boolean champion, long version, io.streamlearn.learn.Prediction p) {
            publish(model, champion, version, p.mean(), p.stddev(), p.lower80(), p.upper80(), p.lower95(), p.upper95());
        }

        private void publish(String model, boolean champion, long version, double mean, double stddev,
                             double lower80, double upper80, double lower95, double upper95) {
            prediction.setLower80(Double.isNaN(lower80) ? null : lower80);
            prediction.setUpper80(Double.isNaN(upper80) ? null : upper80);
            prediction.setLower95(Double.isNaN(lower95) ? null : lower95);
            prediction.setUpper95(Double.isNaN(upper95) ? null : upper95);
            prediction.setId(event.getId());
            prediction.setKey(key);
            prediction.setTs(event.getTs());
            prediction.setModel(model);
            prediction.setVersion(version);
            prediction.setPrediction(mean);
            prediction.setStddev(Double.isNaN(stddev) ? null : stddev);
            prediction.setLabel(event.getLabel());
            byte[] bytes = WireCodec.encode(prediction, settings.outputFormat());
            context.forward(record.withKey(key).withValue(bytes), champion ? StreamlearnTopology.PREDICTIONS_SINK : shadowSink);
            meters.predictions(model, champion).increment();
            if (champion) {
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
