package io.streamlearn.schemas.wire;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;

/**
 * Encodes and decodes Streamlearn records in either {@linkplain WireFormat wire format}; decoding detects
 * the format of each record, so a topic may carry both. Stateless and thread-safe.
 *
 * <h2>Detection</h2>
 * A value whose first two bytes are {@code 0xC3 0x01} is Avro single-object; a value whose first
 * non-blank byte (after an optional UTF-8 byte order mark) is <code>'{'</code> is JSON; a null, empty or
 * blank value is {@code empty}; anything else is {@code unknown-format}.
 *
 * <h2>Avro</h2>
 * The Avro specification's single-object encoding, written and read by Avro's own
 * {@code BinaryMessageEncoder}/{@code BinaryMessageDecoder}: {@code 0xC3 0x01}, the writer schema's
 * CRC-64-AVRO fingerprint (8 bytes, little-endian), then the binary body. There is no schema registry:
 * a fingerprint other than the expected record's schema is {@code unknown-schema}; a body that does not
 * decode is {@code malformed-avro}. All fields without a default in the {@code .avsc} are required
 * (an Event's {@code id} included). Loading this class adds {@code io.streamlearn.schemas} to Avro 1.12's
 * trusted packages ({@code org.apache.avro.util.ClassSecurityValidator}), so no
 * {@code org.apache.avro.SERIALIZABLE_PACKAGES} system property is needed.
 *
 * <h2>JSON</h2>
 * One UTF-8 JSON object per record, with the Avro field names:
 * <pre>{@code
 * {"id": "e-1", "key": "device-7", "ts": "2013-02-28T16:00:00Z", "features": {"temp": 21.5, "load": "NaN"}, "label": 3.0}
 * }</pre>
 * <ul>
 *   <li>{@code ts} (and a dead letter's {@code time}): epoch milliseconds as a JSON number (a float must be a
 *       whole number), a string of digits, or an ISO-8601 date-time with an offset
 *       ({@code "2013-02-28T16:00:00Z"}, {@code "2013-02-28T17:00:00.125+01:00"}) or, read as UTC, without one
 *       ({@code "2013-02-28T16:00:00"}), as {@link EventTimes} reads every time; sub-millisecond fractions
 *       are truncated towards the past. Anything else is {@code bad-timestamp}.</li>
 *   <li>Doubles ({@code features} values, {@code label}, {@code prediction}, {@code stddev}): JSON numbers,
 *       or the strings {@code "NaN"}, {@code "Infinity"}, {@code "+Infinity"}, {@code "-Infinity"} (bare
 *       {@code NaN}/{@code Infinity} tokens, as Python writes them, are accepted too). Non-finite values are
 *       decoded, not rejected: validation happens later (reason {@code non-finite-feature}). Any other string
 *       or type is {@code wrong-type}. Numbers round-trip bit for bit (negative zero and subnormals too).</li>
 *   <li>{@code features}: an object of name -> number, required (it may be empty). A null feature value is
 *       the same as an absent feature.</li>
 *   <li>{@code id} of an Event or Label: optional in JSON; when absent or null it is {@code "<key>@<ts>"}
 *       (so a label without id names the event with the same key and time). Every other field without an
 *       Avro default is required: absent or null is {@code missing-field}. {@code label} of an Event is
 *       optional.</li>
 *   <li>Unknown fields are ignored (forward compatibility: a producer may add fields before consumers
 *       know them). For a repeated field the last value wins.</li>
 *   <li>Anything that is not one well-formed JSON object (syntax errors, trailing content, Jackson's
 *       default limits on number length, string length and nesting depth) is {@code malformed-json}.</li>
 *   <li>Output: the same field names in schema order; absent optional values as {@code null};
 *       non-finite doubles as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"};
 *       {@code ts} as epoch milliseconds; a dead letter's {@code value} as standard base64 with padding.</li>
 * </ul>
 *
 * <pre>{@code
 * Event e = WireCodec.decodeEvent("{\"key\":\"k\",\"ts\":1000,\"features\":{\"x\":1.5}}".getBytes(UTF_8));
 * e.getId();                                        // "k@1000"
 * byte[] avro = WireCodec.encode(e, WireFormat.AVRO);
 * WireCodec.decodeEvent(avro).equals(e);            // true
 * }</pre>
 */
public final class WireCodec {

    static {
        AvroWire.trustSchemaClasses();
    }

    private WireCodec() {
    }

    /**
     * Makes sure Avro trusts the generated classes. Called implicitly when this class loads; call it before
     * using the generated classes' own {@code getDecoder()} without going through this class.
     */
    public static void trustSchemaClasses() {
        AvroWire.trustSchemaClasses();
    }

    /**
     * Decodes an event, detecting its format.
     *
     * @param value the record value; may be null (then {@code empty})
     * @return the event; never null, with every required field set
     * @throws MalformedRecordException with the reason why it is not a valid event
     */
    public static Event decodeEvent(byte[] value) throws MalformedRecordException {
        return format(value) == WireFormat.AVRO
                ? AvroWire.decode(AvroWire.EVENT, value)
                : JsonWire.decodeEvent(value);
    }

    /**
     * Decodes a label, detecting its format.
     *
     * @param value the record value; may be null (then {@code empty})
     * @return the label; never null
     * @throws MalformedRecordException with the reason why it is not a valid label
     */
    public static Label decodeLabel(byte[] value) throws MalformedRecordException {
        return format(value) == WireFormat.AVRO
                ? AvroWire.decode(AvroWire.LABEL, value)
                : JsonWire.decodeLabel(value);
    }

    /**
     * Decodes a prediction, detecting its format (for tests and consumers of the predictions topic).
     *
     * @param value the record value; may be null (then {@code empty})
     * @return the prediction; never null
     * @throws MalformedRecordException with the reason why it is not a valid prediction
     */
    public static Prediction decodePrediction(byte[] value) throws MalformedRecordException {
        return format(value) == WireFormat.AVRO
                ? AvroWire.decode(AvroWire.PREDICTION, value)
                : JsonWire.decodePrediction(value);
    }

    /**
     * Decodes a dead letter, detecting its format (for tests and consumers of the dead-letter topic).
     *
     * @param value the record value; may be null (then {@code empty})
     * @return the dead letter; never null
     * @throws MalformedRecordException with the reason why it is not a valid dead letter
     */
    public static DeadLetter decodeDeadLetter(byte[] value) throws MalformedRecordException {
        return format(value) == WireFormat.AVRO
                ? AvroWire.decode(AvroWire.DEAD_LETTER, value)
                : JsonWire.decodeDeadLetter(value);
    }

    /**
     * Encodes an event.
     *
     * @param e the event; its required fields must not be null
     * @param f the format; not null
     * @return a fresh byte array
     * @throws IllegalArgumentException if a required field is null
     */
    public static byte[] encode(Event e, WireFormat f) {
        return f == WireFormat.AVRO ? AvroWire.encode(AvroWire.EVENT, e) : JsonWire.encode(e);
    }

    /**
     * Encodes a label.
     *
     * @param l the label; its required fields must not be null
     * @param f the format; not null
     * @return a fresh byte array
     * @throws IllegalArgumentException if a required field is null
     */
    public static byte[] encode(Label l, WireFormat f) {
        return f == WireFormat.AVRO ? AvroWire.encode(AvroWire.LABEL, l) : JsonWire.encode(l);
    }

    /**
     * Encodes a prediction.
     *
     * @param p the prediction; its required fields must not be null
     * @param f the format; not null
     * @return a fresh byte array
     * @throws IllegalArgumentException if a required field is null
     */
    public static byte[] encode(Prediction p, WireFormat f) {
        return f == WireFormat.AVRO ? AvroWire.encode(AvroWire.PREDICTION, p) : JsonWire.encode(p);
    }

    /**
     * Encodes a dead letter.
     *
     * @param d the dead letter; its required fields must not be null
     * @param f the format; not null
     * @return a fresh byte array
     * @throws IllegalArgumentException if a required field is null
     */
    public static byte[] encode(DeadLetter d, WireFormat f) {
        return f == WireFormat.AVRO ? AvroWire.encode(AvroWire.DEAD_LETTER, d) : JsonWire.encode(d);
    }

    private static WireFormat format(byte[] value) throws MalformedRecordException {
        WireFormat f = WireFormat.detect(value);
        if (f != null) {
            return f;
        }
        if (value == null || WireFormat.skipBomAndBlanks(value) == value.length) {
            throw new MalformedRecordException(MalformedRecordException.EMPTY,
                    value == null ? "null value" : "empty value (" + value.length + " bytes)");
        }
        if (value[0] == 0) {
            throw new MalformedRecordException(MalformedRecordException.UNKNOWN_FORMAT,
                    "Confluent wire format (magic byte 0), which needs a schema registry: set schema.registry.url");
        }
        throw new MalformedRecordException(MalformedRecordException.UNKNOWN_FORMAT,
                "neither Avro single-object (0xC3 0x01) nor a JSON object; first byte 0x"
                        + String.format("%02x", value[0] & 0xFF));
    }
}
