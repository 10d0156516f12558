package io.streamlearn.streams.decode;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.util.Objects;

/**
 * Kafka {@link Serde}s for the Streamlearn records, wrapping {@link WireCodec}. The serializer writes the
 * given {@link WireFormat}; the deserializer accepts either format, detected per record.
 *
 * <p>Following Kafka's convention, a null value (a tombstone) serializes and deserializes to null. Any other
 * value that does not decode makes the deserializer throw {@link WireDeserializationException}, which carries
 * the {@linkplain WireDeserializationException#reason() reason word}. Input topics that must dead-letter bad
 * records should rather be read as {@code Serdes.ByteArray()} and decoded with {@link WireCodec}, which reports
 * the reason without an exception on Kafka's side; these serdes are for outputs, consumers and tests.
 *
 * <pre>{@code
 * KStream<String, Prediction> predictions = ...;
 * predictions.to("predictions", Produced.with(Serdes.String(), WireSerdes.prediction(WireFormat.JSON)));
 *
 * try (Consumer<String, Prediction> c = new KafkaConsumer<>(props, new StringDeserializer(),
 *         WireSerdes.prediction(WireFormat.JSON).deserializer())) { ... }
 * }</pre>
 *
 * All serdes are stateless and thread-safe.
 */
public final class WireSerdes {

    private WireSerdes() {
    }

    /** @return a serde writing events in {@code format} and reading either format */
    public static Serde<Event> event(WireFormat format) {
        Objects.requireNonNull(format, "format");
        return Serdes.serdeFrom((Serializer<Event>) (topic, e) -> e == null ? null : WireCodec.encode(e, format),
                deserializer(WireCodec::decodeEvent));
    }

    /** @return a serde writing labels in {@code format} and reading either format */
    public static Serde<Label> label(WireFormat format) {
        Objects.requireNonNull(format, "format");
        return Serdes.serdeFrom((Serializer<Label>) (topic, l) -> l == null ? null : WireCodec.encode(l, format),
                deserializer(WireCodec::decodeLabel));
    }

    /** @return a serde writing predictions in {@code format} and reading either format */
    public static Serde<Prediction> prediction(WireFormat format) {
        Objects.requireNonNull(format, "format");
        return Serdes.serdeFrom((Serializer<Prediction>) (topic, p) -> p == null ? null : WireCodec.encode(p, format),
                deserializer(WireCodec::decodePrediction));
    }

    /** @return a serde writing dead letters in {@code format} and reading either format */
    public static Serde<DeadLetter> deadLetter(WireFormat format) {
        Objects.requireNonNull(format, "format");
        return Serdes.serdeFrom((Serializer<DeadLetter>) (topic, d) -> d == null ? null : WireCodec.encode(d, format),
                deserializer(WireCodec::decodeDeadLetter));
    }

    /** One of {@link WireCodec}'s decode methods. */
    @FunctionalInterface
    private interface Decode<T> {
        T apply(byte[] value) throws MalformedRecordException;
    }

    private static <T> Deserializer<T> deserializer(Decode<T> decode) {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return decode.apply(value);
            } catch (MalformedRecordException e) {
                throw new WireDeserializationException(topic, e);
            }
        };
    }
}
