package io.streamlearn.streams.publish;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes a processor's dead letters: the {@link DeadLetter} to the dead-letters sink, a count in the
 * application's {@link SkippedRecords}, in the task metric {@code dead-letters-<reason>} of
 * {@link METRICS_SCOPE} and in {@code streamlearn_dead_letters_total{reason}} of the
 * {@link StreamlearnMeters}. One per processor instance, task thread only.
 */
public final class DeadLetters {

    /**
     * Metrics group {@code stream-streamlearn-metrics}, one set per task (tag {@code streamlearn-id}):
     * {@code predictions-total}/{@code -rate} and {@code dead-letters-<reason>-total}/{@code -rate}; the
     * labels processor adds {@code labels-joined}, {@code labels-unknown}, {@code labels-expired},
     * {@code labels-duplicate}.
     */
    public static final String METRICS_SCOPE = "streamlearn";

    private final ProcessorContext<String, byte[]> context;
    private final SkippedRecords skipped;
    private final WireFormat format;
    private final String sink;
    private final Map<String, Sensor> sensors = new HashMap<>();
    private final StreamlearnMeters meters;

    public DeadLetters(ProcessorContext<String, byte[]> context, SkippedRecords skipped, WireFormat format, String sink,
                StreamlearnMeters meters) {
        this.context = context;
        this.meters = meters;
        this.skipped = skipped;
        this.format = format;
        this.sink = sink;
    }

    /** A rate/total sensor {@code name} of this task in the Streamlearn metrics group. */
    public Sensor sensor(String name) {
        return sensors.computeIfAbsent(name, n -> context.metrics().addRateTotalSensor(METRICS_SCOPE,
                context.taskId().toString(), n, Sensor.RecordingLevel.INFO));
    }

    public void send(Record<String, byte[]> record, String reason, String detail) {
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
        sensor("dead-letters-" + reason).record();
        meters.deadLetters(reason).increment();
        context.forward(record.withValue(WireCodec.encode(letter, format)), sink);
    }

    /** A dead letter for a record that is not the one being processed (e.g. from a punctuator). */
    public void send(String topic, int partition, long offset, String key, byte[] value, String reason, String detail) {
        DeadLetter letter = DeadLetter.newBuilder()
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setKey(key)
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setReason(reason)
                .setDetail(detail)
                .setTime(context.currentSystemTimeMs())
                .build();
        sensor("dead-letters-" + reason).record();
        meters.deadLetters(reason).increment();
        context.forward(new Record<>(key, WireCodec.encode(letter, format), context.currentSystemTimeMs()), sink);
    }

    /** Removes the sensors this instance added. */
    public void close() {
        sensors.values().forEach(s -> context.metrics().removeSensor(s));
        sensors.clear();
    }
}
