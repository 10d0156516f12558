package io.streamlearn.schemas.wire;

/**
 * A record value that cannot be decoded. {@link #reason()} is a short machine-readable word that goes
 * into the dead letter's {@code reason}; {@link #getMessage()} is the human-readable detail.
 *
 * <p>Reasons: {@value #EMPTY}, {@value #UNKNOWN_FORMAT}, {@value #MALFORMED_JSON}, {@value #MALFORMED_AVRO},
 * {@value #UNKNOWN_SCHEMA}, {@value #MISSING_FIELD}, {@value #WRONG_TYPE}, {@value #BAD_TIMESTAMP}.
 *
 * <p>The exception carries no stack trace (it is an expected outcome on the dead-letter path, and
 * filling stack traces for a topic full of garbage would be the slowest part of handling it).
 *
 * <pre>{@code
 * try {
 *     Event e = WireCodec.decodeEvent(value);
 * } catch (MalformedRecordException e) {
 *     deadLetter(e.reason(), e.getMessage());
 * }
 * }</pre>
 */
public final class MalformedRecordException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Null or zero-length value, or only blanks. */
    public static final String EMPTY = "empty";
    /** Neither Avro single-object ({@code 0xC3 0x01}) nor a JSON object ({@code '{'}). */
    public static final String UNKNOWN_FORMAT = "unknown-format";
    /** Not well-formed JSON, not an object, trailing content, or over Jackson's size limits. */
    public static final String MALFORMED_JSON = "malformed-json";
    /** An Avro single-object header whose body does not decode (truncated, corrupt). */
    public static final String MALFORMED_AVRO = "malformed-avro";
    /**
     * An Avro single-object record whose schema fingerprint is not the expected record's schema, or a
     * Confluent-framed record whose schema id the registry does not know (404, {@code error_code} 40403).
     */
    public static final String UNKNOWN_SCHEMA = "unknown-schema";
    /** A required field is absent or null. */
    public static final String MISSING_FIELD = "missing-field";
    /** A field has the wrong JSON type (e.g. a feature that is a non-numeric string). */
    public static final String WRONG_TYPE = "wrong-type";
    /** {@code ts} is a string that is not an ISO-8601 instant, or a number that is not whole epoch millis. */
    public static final String BAD_TIMESTAMP = "bad-timestamp";

    private final String reason;

    /**
     * @param reason one of the reason words above; not null
     * @param detail human-readable detail (field name, parser message); not null
     */
    public MalformedRecordException(String reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    /** @return the machine-readable reason word, e.g. {@code malformed-json} */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return "MalformedRecordException[" + reason + "]: " + getMessage();
    }
}
