package io.streamlearn.streams.topology;

import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.scoring.ScoringStep;
import io.streamlearn.streams.topology.errors.SkippedRecords;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one processor of the event route: raw bytes from {@code events} → decode (Avro single-object
 * or JSON, detected per record) → check the key → {@link ScoringStep} over the task's {@code models}
 * store → a {@link Prediction} per model to {@code predictions} (champion) or
 * {@code predictions-shadow} (challengers). A record that cannot be decoded or is invalid becomes a
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
 *   <li>{@value #INVALID_KEY}: the key contains U+0000, which the store reserves.</li>
 * </ul>
 * Each dead letter is also counted in the application's {@link SkippedRecords} and in the task's
 * metrics (see {@link #METRICS_SCOPE}), and logged (rate-limited).
 * When the record key is null or empty the event's key is used; that is only consistent when the
 * events topic has one partition or when producers key their records (as they should).
 */
public final class ScoreEventsProcessor implements Processor<String, byte[], String, byte[]> {

    public static final String MISSING_KEY = "missing-key";
    public static final String KEY_MISMATCH = "key-mismatch";
    public static final String INVALID_KEY = "invalid-key";
    /**
     * Metrics group {@code stream-streamlearn-metrics}, one set per task (tag {@code streamlearn-id}):
     * {@code predictions-total}/{@code -rate} and {@code dead-letters-<reason>-total}/{@code -rate}.
     */
    public static final String METRICS_SCOPE = "streamlearn";

    private final FeatureSpace featureSpace;
    private final List<String> models;
    private final String storeName;
    private final WireFormat outputFormat;
    private final SkippedRecords skipped;
    private final String predictionsSink;
    private final String shadowSink;
    private final String deadLettersSink;
    private final PredictionSink sink = new PredictionSink();

    private ProcessorContext<String, byte[]> context;
    private ScoringStep step;
    private KeyValueModelStore store;
    private Sensor predictionsSensor;
    private final Map<String, Sensor> deadLetterSensors = new HashMap<>();

    ScoreEventsProcessor(FeatureSpace featureSpace, List<String> models, String storeName, WireFormat outputFormat,
                         SkippedRecords skipped, String predictionsSink, String shadowSink, String deadLettersSink) {
        this.featureSpace = featureSpace;
        this.models = models;
        this.storeName = storeName;
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
        this.step = new ScoringStep(featureSpace, models);
        this.predictionsSensor = context.metrics().addRateTotalSensor(METRICS_SCOPE, context.taskId().toString(),
                "predictions", Sensor.RecordingLevel.INFO);
    }

    @Override
    public void close() {
        if (predictionsSensor != null) {
            context.metrics().removeSensor(predictionsSensor);
        }
        deadLetterSensors.values().forEach(s -> context.metrics().removeSensor(s));
        deadLetterSensors.clear();
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Event event;
        try {
            event = WireCodec.decodeEvent(record.value());
        } catch (MalformedRecordException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        }
        String key = record.key();
        String eventKey = event.getKey();
        if (key == null || key.isEmpty()) {
            if (eventKey == null || eventKey.isEmpty()) {
                deadLetter(record, MISSING_KEY, "neither the record nor the event has a key");
                return;
            }
            key = eventKey;
        } else if (eventKey != null && !eventKey.isEmpty() && !eventKey.equals(key)) {
            deadLetter(record, KEY_MISMATCH, "record key '" + key + "' but event key '" + eventKey + "'");
            return;
        }
        if (key.indexOf('\u0000') >= 0) {
            deadLetter(record, INVALID_KEY, "the key contains U+0000");
            return;
        }
        Double label = event.getLabel();
        if (label != null && label.isNaN()) {
            // ScoringStep reads NaN as "no label"; a label that is present but NaN is bad input.
            deadLetter(record, "non-finite-label", "label is NaN");
            return;
        }
        sink.begin(record, key, event);
        try {
            step.score(key, event.getTs(), event.getFeatures(), label == null ? Double.NaN : label, store, sink);
        } catch (InvalidInputException e) {
            deadLetter(record, e.reason(), e.getMessage());
        } finally {
            sink.end();
        }
    }

    private void deadLetter(Record<String, byte[]> record, String reason, String detail) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        String topic = meta == null ? "" : meta.topic();
        int partition = meta == null ? -1 : meta.partition();
        long offset = meta == null ? -1 : meta.offset();
        DeadLetter letter = DeadLetter.newBuilder()
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(record.key())
                .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .setReason(reason)
                .setDetail(detail)
                .setTime(context.currentSystemTimeMs())
                .build();
        skipped.record(reason, topic + "-" + partition + "@" + offset, detail);
        deadLetterSensors.computeIfAbsent(reason, r -> context.metrics().addRateTotalSensor(METRICS_SCOPE,
                context.taskId().toString(), "dead-letters-" + r, Sensor.RecordingLevel.INFO)).record();
        context.forward(record.withValue(WireCodec.encode(letter, outputFormat)), deadLettersSink);
    }

    /** Receives ScoringStep's predictions for the record being processed; one instance, reused. */
    private final class PredictionSink implements ScoringStep.Sink {
        /** Reused for every prediction: only its encoded bytes leave this class. */
        private final Prediction prediction = new Prediction();
        private Record<String, byte[]> record;
        private String key;
        private Event event;

        void begin(Record<String, byte[]> record, String key, Event event) {
            this.record = record;
            this.key = key;
            this.event = event;
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
            if (champion) {
                predictionsSensor.record();
            }
        }
    }
}
