package io.streamlearn.streams.decode;

import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.RegistryUnavailableException;
import io.streamlearn.schemas.wire.MalformedRecordException;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;

/**
 * Record keys of the input topics: UTF-8 text as before, or a Confluent-framed key (an Avro string or
 * record, a JSON Schema value) turned into the entity key by {@link ConfluentCodec#decodeKey}.
 *
 * <p>A framed key that does not decode (unknown schema id, broken body) must still become a dead letter with
 * its reason, but a source's deserializer cannot send one; so it returns {@link #undecodable} text, which
 * holds U+0000 (never part of a valid key) and which the processors turn back into the reason with
 * {@link #failure}. A registry outage is thrown ({@link RegistryUnavailableException}): the deserialization
 * handler fails the task for it, and the record is read again.
 */
public final class ConfluentKeyDeserializer implements Deserializer<String> {

    /** Starts every undecodable-key marker. */
    public static final char MARK = '\u0000';

    private final ConfluentCodec codec;

    /**
     * @param codec the codec over the registry; not null
     */
    public ConfluentKeyDeserializer(ConfluentCodec codec) {
        this.codec = codec;
    }

    @Override
    public String deserialize(String topic, byte[] key) {
        if (key == null) {
            return null;
        }
        if (!ConfluentCodec.isFramed(key)) {
            return new String(key, StandardCharsets.UTF_8);
        }
        try {
            return codec.decodeKey(key);
        } catch (MalformedRecordException e) {
            return undecodable(e.reason(), "record key: " + e.getMessage());
        }
    }

    /** The marker of a key that could not be decoded. */
    static String undecodable(String reason, String detail) {
        return MARK + reason + MARK + detail;
    }

    /**
     * The reason and detail of an undecodable-key marker.
     *
     * @param key a deserialized key; may be null
     * @return {reason, detail}, or null when {@code key} is not a marker
     */
    public static String[] failure(String key) {
        if (key == null || key.isEmpty() || key.charAt(0) != MARK) {
            return null;
        }
        int end = key.indexOf(MARK, 1);
        return end < 0 ? null : new String[]{key.substring(1, end), key.substring(end + 1)};
    }
}
