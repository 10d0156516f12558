package io.streamlearn.streams.publish;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.ByteBuffer;

/**
 * Writes a processor's dead letters: the {@link DeadLetter} to the dead-letters sink, a count in the
 * application's {@link SkippedRecords} (its log and summary) and in
 * {@code streamlearn_dead_letters_total{reason}} of the {@link StreamlearnMeters}, the one count of
 * outcomes. One per processor instance, task thread only.
 */
public final class DeadLetters {

    private final ProcessorContext<String, byte[]> context;
    private final SkippedRecords skipped;
    private final WireFormat format;
    private final String sink;
    private final StreamlearnMeters meters;

    public DeadLetters(ProcessorContext<String, byte[]> context, SkippedRecords skipped, WireFormat format, String sink,
                StreamlearnMeters meters) {
        this.context = context;
        this.meters = meters;
        this.skipped = skipped;
        this.format = format;
        this.sink = sink;
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
        meters.deadLetters(reason).increment();
        context.forward(new Record<>(key, WireCodec.encode(letter, format), context.currentSystemTimeMs()), sink);
    }
}
