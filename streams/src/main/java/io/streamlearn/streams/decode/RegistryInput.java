package io.streamlearn.streams.decode;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;
import io.streamlearn.schemas.registry.ConfluentCodec;
import io.streamlearn.schemas.registry.RegisteredSchema;
import io.streamlearn.schemas.registry.RegistryConfig;
import io.streamlearn.schemas.registry.RegistryUnavailableException;
import io.streamlearn.schemas.registry.SchemaRegistryClient;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.serialization.Deserializer;

import java.util.Map;

/**
 * The Confluent-framed records of the {@code events} and {@code labels} topics, when
 * {@code schema.registry.url} is set: values (Avro or JSON Schema bodies) through the registry and the
 * field mapping ({@code streamlearn.input.*}, {@code streamlearn.labels.*}) to {@link Event}s and
 * {@link Label}s, and record keys through {@link #keyDeserializer()}. A framed record of Streamlearn's own
 * Event or Label schema, with no mapping setting, is read by the generated classes' reader, as single-object
 * Avro is. Records that are not framed keep their
 * path (single-object Avro, JSON). One instance per application, shared by every task: thread-safe.
 *
 * <p>A registry that cannot be reached is {@link RegistryUnavailableException}, which the topology lets
 * escape so that the record is read again (see the error handlers); only an unknown schema id is a dead letter.
 *
 * <pre>{@code
 * RegistryInput input = RegistryInput.from(config.values());     // null without schema.registry.url
 * Event e = ConfluentCodec.isFramed(value) ? input.event(mapping, value, recordKey, recordTimestamp) : ...;
 * }</pre>
 */
public final class RegistryInput {

    static {
        WireCodec.trustSchemaClasses(); // the specific readers instantiate io.streamlearn.schemas classes
    }

    private static final long EVENT_FINGERPRINT = SchemaNormalization.parsingFingerprint64(Event.getClassSchema());
    private static final long LABEL_FINGERPRINT = SchemaNormalization.parsingFingerprint64(Label.getClassSchema());
    private static final SpecificDatumReader<Event> EVENT_READER = new SpecificDatumReader<>(Event.class);
    private static final SpecificDatumReader<Label> LABEL_READER = new SpecificDatumReader<>(Label.class);

    private final ConfluentCodec codec;

    /**
     * @param codec the codec over the registry client; not null
     */
    public RegistryInput(ConfluentCodec codec) {
        this.codec = codec;
    }

    /**
     * From an application's settings.
     *
     * @param settings all settings; not null
     * @return the input, or null when {@code schema.registry.url} is not set
     * @throws IllegalArgumentException for a bad registry setting (one line naming the key)
     */
    public static RegistryInput from(Map<String, String> settings) {
        RegistryConfig rc = RegistryConfig.from(settings);
        return rc == null ? null : of(rc);
    }

    /** Over a new registry client (its own schema cache) for {@code config}. */
    public static RegistryInput of(RegistryConfig config) {
        return new RegistryInput(new ConfluentCodec(new SchemaRegistryClient(config)));
    }

    /** @return the codec, e.g. to register output schemas */
    public ConfluentCodec codec() {
        return codec;
    }

    /**
     * An event from a framed value.
     *
     * @param events          the field mapping of events ({@code streamlearn.input.*}); not null
     * @param value           a value for which {@link ConfluentCodec#isFramed} is true
     * @param recordKey       the record key (already decoded); may be null
     * @param recordTimestamp the Kafka record timestamp, epoch ms
     * @throws MalformedRecordException the decoder's reasons ({@code unknown-schema}, {@code malformed-avro}, ...)
     * @throws MappingException         the mapping's reasons ({@code unmapped-key}, ...)
     * @throws RegistryUnavailableException when the registry cannot be reached
     */
    public Event event(FieldMapping events, byte[] value, String recordKey, long recordTimestamp)
            throws MalformedRecordException, MappingException {
        RegisteredSchema s = schema(value);
        if (s.type().equals(RegisteredSchema.JSON)) {
            return events.event(value, ConfluentCodec.HEADER_LENGTH, value.length - ConfluentCodec.HEADER_LENGTH,
                    recordKey, recordTimestamp);
        }
        if (events.isDefault() && s.fingerprint() == EVENT_FINGERPRINT) {
            // Streamlearn's own Event, framed: the generated reader, as for single-object Avro (no generic detour).
            return ConfluentCodec.decode(value, s, EVENT_READER);
        }
        return events.event(record(value), recordKey, recordTimestamp);
    }

    /** A label from a framed value with the labels' mapping ({@code streamlearn.labels.*}); as {@link #event}. */
    public Label label(FieldMapping labels, byte[] value, String recordKey, long recordTimestamp)
            throws MalformedRecordException, MappingException {
        RegisteredSchema s = schema(value);
        if (s.type().equals(RegisteredSchema.JSON)) {
            return labels.label(value, ConfluentCodec.HEADER_LENGTH, value.length - ConfluentCodec.HEADER_LENGTH,
                    recordKey, recordTimestamp);
        }
        if (labels.isDefault() && s.fingerprint() == LABEL_FINGERPRINT) {
            return ConfluentCodec.decode(value, s, LABEL_READER);
        }
        return labels.label(record(value), recordKey, recordTimestamp);
    }

    /** The deserializer of the sources' record keys: see {@link ConfluentKeyDeserializer}. */
    public Deserializer<String> keyDeserializer() {
        return new ConfluentKeyDeserializer(codec);
    }

    private RegisteredSchema schema(byte[] value) throws MalformedRecordException {
        if (value.length < ConfluentCodec.HEADER_LENGTH) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    "truncated Confluent header (" + value.length + " bytes)");
        }
        return codec.registry().schema(ConfluentCodec.schemaId(value));
    }

    private GenericRecord record(byte[] value) throws MalformedRecordException {
        Object datum = codec.decode(value);
        if (datum instanceof GenericRecord r) {
            return r;
        }
        throw new MalformedRecordException(MalformedRecordException.WRONG_TYPE, "schema id " + ConfluentCodec.schemaId(value)
                + " is not an Avro record but " + (datum == null ? "null" : datum.getClass().getSimpleName()));
    }
}
