package io.streamlearn.schemas.registry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Confluent wire format: a magic byte {@code 0}, the writer schema's global id in 4 bytes big-endian,
 * then the body, which is Avro binary when the registry says the schema is {@code AVRO} and UTF-8 JSON when
 * it says {@code JSON} (Confluent's JSON Schema serializer). The registry, not the bytes, decides which, so
 * every framed record costs one cached lookup by id.
 *
 * <h2>Values</h2>
 * {@link #decode(byte[])} reads an Avro body with the writer schema as reader schema (generic reading, no
 * resolution against a schema of ours) into a {@link GenericRecord} (or the Avro datum of a non-record
 * schema: {@code String}, {@code Long}, ...); logical types are left as Avro writes them, so a
 * {@code timestamp-millis} is a {@code Long} of epoch milliseconds and a {@code timestamp-micros} a
 * {@code Long} of microseconds (the field's schema says which), and strings (map keys too) are
 * {@code java.lang.String}, not Avro's {@code Utf8}. A JSON body is
 * read into a Jackson {@link JsonNode}. Turning either into an event is the field mapping's job.
 * Reasons: {@code unknown-schema} (the registry does not know the id, or its schema does not parse or has
 * references), {@code malformed-avro} (header shorter than 5 bytes, body that does not decode with the writer
 * schema, trailing bytes), {@code malformed-json}, {@code unknown-format} (a {@code PROTOBUF} schema).
 * An unreachable registry is {@link RegistryUnavailableException}, never a reason.
 *
 * <h2>Keys</h2>
 * {@link #decodeKey(byte[])} turns a record key into the entity key. A key without the magic byte is UTF-8
 * text (Kafka's {@code StringSerializer}), as before. A framed key is decoded like a value, then:
 * <ul>
 *   <li>a string, number or boolean (Avro or JSON) is its text: {@code "device-7"}, {@code 42};</li>
 *   <li>a record (or JSON object) with one field is that field's value, by the same rules (the usual
 *       single-column key of Kafka Connect's JDBC and Debezium connectors: {@code {"id": 42}} is {@code 42});</li>
 *   <li>any other record is its JSON text in schema order as Avro prints it, e.g.
 *       {@code {"order": 7, "line": 2}} (a JSON object: Jackson's compact {@code {"order":7,"line":2}}): the
 *       same for every producer of the same schema, and readable in the HTTP view;</li>
 *   <li>null is null (the topology's {@code missing-key}).</li>
 * </ul>
 *
 * <h2>Output</h2>
 * {@link #encode(String, SpecificRecord)} registers the record's schema under a subject (once; cached) and
 * writes the framed Avro binary, which ksqlDB, Kafka Connect's {@code AvroConverter} and Flink's
 * {@code avro-confluent} format read.
 *
 * <p>Thread-safe. Decoding allocates the datum it returns and nothing else that the next record cannot reuse.
 *
 * <pre>{@code
 * ConfluentCodec codec = new ConfluentCodec(new SchemaRegistryClient(RegistryConfig.of("http://localhost:8081")));
 * if (ConfluentCodec.isFramed(value)) {
 *     Object datum = codec.decode(value);     // GenericRecord or JsonNode
 * }
 * byte[] out = codec.encode("predictions-value", prediction);
 * }</pre>
 */
public final class ConfluentCodec {

    /** The first byte of every framed record. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte and 4-byte schema id. */
    public static final int HEADER_LENGTH = 5;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ThreadLocal<BinaryDecoder> BOUNDS = new ThreadLocal<>();
    private static final ThreadLocal<BinaryDecoder> BODY = new ThreadLocal<>();
    private static final ThreadLocal<BinaryEncoder> ENCODER = new ThreadLocal<>();

    static {
        WireCodec.trustSchemaClasses(); // the specific writer of Prediction and DeadLetter loads their classes
    }

    private static final Map<Schema, DatumWriter<Object>> WRITERS = new ConcurrentHashMap<>();

    private final SchemaRegistryClient registry;

    /**
     * @param registry where writer schemas come from and output schemas go; not null
     */
    public ConfluentCodec(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    /** @return the registry client */
    public SchemaRegistryClient registry() {
        return registry;
    }

    /**
     * Whether a record starts with the magic byte. Single-object Avro starts with {@code 0xC3} and JSON with
     * <code>'{'</code> or a blank, so the three formats never overlap.
     *
     * @param value a record key or value; may be null
     * @return true when its first byte is {@code 0}
     */
    public static boolean isFramed(byte[] value) {
        return value != null && value.length > 0 && value[0] == MAGIC_BYTE;
    }

    /**
     * The schema id of a framed record.
     *
     * @param value a framed record of at least {@value #HEADER_LENGTH} bytes
     * @return bytes 1 to 4, big-endian
     */
    public static int schemaId(byte[] value) {
        return (value[1] & 0xFF) << 24 | (value[2] & 0xFF) << 16 | (value[3] & 0xFF) << 8 | value[4] & 0xFF;
    }

    /**
     * Decodes a framed record value.
     *
     * @param value a value for which {@link #isFramed} is true; not null
     * @return a {@link GenericRecord} (or another Avro datum) for an Avro schema, a {@link JsonNode} for a JSON
     *         schema; null only for an Avro {@code null} schema
     * @throws MalformedRecordException with the reason why it does not decode
     * @throws RegistryUnavailableException when the schema is not cached and the registry cannot be reached
     */
    public Object decode(byte[] value) throws MalformedRecordException {
        if (value.length < HEADER_LENGTH) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    "truncated Confluent header (" + value.length + " bytes; magic byte 0 and a 4-byte schema id expected)");
        }
        RegisteredSchema s = registry.schema(schemaId(value));
        switch (s.type()) {
            case RegisteredSchema.AVRO:
                return decodeAvro(s, value);
            case RegisteredSchema.JSON:
                return decodeJson(s, value);
            default:
                throw new MalformedRecordException(MalformedRecordException.UNKNOWN_FORMAT,
                        "schema id " + s.id() + " is a " + s.type() + " schema; Streamlearn reads AVRO and JSON");
        }
    }

    /**
     * The entity key of a record key, by the rules on this class.
     *
     * @param key the record key; may be null
     * @return the key text, or null for a null key
     * @throws MalformedRecordException as {@link #decode} for a framed key
     * @throws RegistryUnavailableException as {@link #decode}
     */
    public String decodeKey(byte[] key) throws MalformedRecordException {
        if (key == null) {
            return null;
        }
        if (!isFramed(key)) {
            return new String(key, StandardCharsets.UTF_8);
        }
        return keyText(decode(key), true);
    }

    /**
     * Registers the record's schema under {@code subject} (once per subject and schema) and encodes it framed.
     *
     * @param subject e.g. {@code predictions-value}; not null
     * @param record  the record; its required fields must not be null
     * @return a fresh byte array: magic byte, schema id, Avro binary body
     * @throws IllegalArgumentException if a required field is null
     * @throws RegistryException if the registry refuses the schema
     * @throws RegistryUnavailableException if the schema is not registered yet and the registry cannot be reached
     */
    public byte[] encode(String subject, SpecificRecord record) {
        Schema schema = record.getSchema();
        int id = registry.register(subject, schema);
        return frame(id, schema, record);
    }

    /**
     * Encodes a datum framed with an id the caller already has (tests, benchmarks).
     *
     * @param id     the schema id for the header
     * @param schema the writer schema of {@code datum}
     * @param datum  a {@link GenericContainer} or a specific record of {@code schema}
     * @return a fresh byte array
     */
    public static byte[] frame(int id, Schema schema, Object datum) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write(MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, ENCODER.get());
        ENCODER.set(enc);
        try {
            writer(schema, datum).write(datum, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot encode " + schema.getFullName() + " as Avro: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private static DatumWriter<Object> writer(Schema schema, Object datum) {
        DatumWriter<Object> w = WRITERS.get(schema);
        if (w == null) {
            // Specific records need the specific writer (enums, fixed); a generic one for everything else.
            w = datum instanceof SpecificRecord ? new SpecificDatumWriter<>(schema) : new GenericDatumWriter<>(schema);
            WRITERS.putIfAbsent(schema, w);
        }
        return w;
    }

    /**
     * Decodes a framed Avro value with a reader of the caller's (e.g. the generated {@code Event} class's
     * specific reader when the writer schema is Streamlearn's own), with the same bounds check and reasons as
     * {@link #decode}.
     *
     * @param value  a framed value of at least {@value #HEADER_LENGTH} bytes
     * @param s      its registered writer schema, of type {@code AVRO}
     * @param reader a reader whose writer schema is {@code s.avro()} (or resolves from it)
     * @return the datum
     * @throws MalformedRecordException {@code malformed-avro} when the body does not decode
     */
    public static <T> T decode(byte[] value, RegisteredSchema s, DatumReader<T> reader) throws MalformedRecordException {
        return read(s, value, reader);
    }

    private static Object decodeAvro(RegisteredSchema s, byte[] value) throws MalformedRecordException {
        return read(s, value, s.reader());
    }

    private static <T> T read(RegisteredSchema s, byte[] value, DatumReader<T> reader) throws MalformedRecordException {
        int length = value.length - HEADER_LENGTH;
        try {
            // Walk the body once within its bounds first: a corrupt length prefix is malformed-avro, never a
            // huge allocation (Avro allocates a string's bytes before reading them).
            BinaryDecoder bounds = DecoderFactory.get().binaryDecoder(value, HEADER_LENGTH, length, BOUNDS.get());
            BOUNDS.set(bounds);
            GenericDatumReader.skip(s.avro(), bounds);
            if (!bounds.isEnd()) {
                throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                        "schema id " + s.id() + ": trailing bytes after the record body");
            }
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(value, HEADER_LENGTH, length, BODY.get());
            BODY.set(in);
            return reader.read(null, in);
        } catch (EOFException e) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    "schema id " + s.id() + ": body ends early (truncated, not written with this schema, or a length past the end)");
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_AVRO,
                    "schema id " + s.id() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static JsonNode decodeJson(RegisteredSchema s, byte[] value) throws MalformedRecordException {
        try {
            JsonNode n = JSON.readTree(value, HEADER_LENGTH, value.length - HEADER_LENGTH);
            if (n == null || n.isMissingNode()) {
                throw new MalformedRecordException(MalformedRecordException.MALFORMED_JSON,
                        "schema id " + s.id() + ": empty JSON body");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_JSON,
                    "schema id " + s.id() + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array does not do I/O
        }
    }

    private static String keyText(Object datum, boolean unwrap) {
        if (datum == null) {
            return null;
        }
        if (datum instanceof GenericRecord r) {
            if (unwrap && r.getSchema().getFields().size() == 1) {
                Object only = r.get(0);
                if (!(only instanceof GenericContainer) && !(only instanceof Map) && !(only instanceof java.util.Collection)) {
                    return keyText(only, false);
                }
            }
            return GenericData.get().toString(r);
        }
        if (datum instanceof JsonNode n) {
            if (n.isNull()) {
                return null;
            }
            if (n.isValueNode()) {
                return n.asText();
            }
            if (unwrap && n.isObject() && n.size() == 1 && n.elements().next().isValueNode()) {
                return keyText(n.elements().next(), false);
            }
            return n.toString();
        }
        return datum.toString();
    }
}
