package io.streamlearn.streams.decode;

import io.streamlearn.schemas.wire.MalformedRecordException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Thrown by the {@link WireSerdes} deserializers for a value that does not decode. A Kafka Streams
 * {@code DeserializationExceptionHandler} (or a consumer) can read the {@link #reason()} word, e.g.
 * {@code malformed-json}, for its dead letter.
 */
public final class WireDeserializationException extends SerializationException {

    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param topic the topic the value came from; may be null
     * @param cause the codec's failure; not null
     */
    public WireDeserializationException(String topic, MalformedRecordException cause) {
        super("cannot decode a record from topic " + topic + ": [" + cause.reason() + "] " + cause.getMessage(), cause);
        this.reason = cause.reason();
    }

    /** @return the codec's reason word, e.g. {@code unknown-schema} */
    public String reason() {
        return reason;
    }
}
