package io.streamlearn.schemas.wire;

import java.util.Locale;

/**
 * The two encodings of records on Streamlearn topics.
 * <ul>
 *   <li>{@link #AVRO}: Avro single-object encoding (header {@code 0xC3 0x01}, the 8-byte little-endian
 *       CRC-64-AVRO fingerprint of the writer schema, then the Avro binary body). No schema registry: the
 *       fingerprint must be that of one of the schemas in {@code schemas/src/main/avro}.</li>
 *   <li>{@link #JSON}: one UTF-8 JSON object per record, with the Avro field names (see {@link WireCodec}).</li>
 * </ul>
 * Input topics may mix both: {@link WireCodec} detects the format of each record.
 *
 * <pre>{@code
 * WireFormat f = WireFormat.parse("json");   // WireFormat.JSON
 * }</pre>
 */
public enum WireFormat {
    /** Avro single-object encoding. */
    AVRO,
    /** UTF-8 JSON objects. */
    JSON;

    /**
     * Parses a format name, case-insensitively and ignoring surrounding blanks.
     *
     * @param name {@code avro} or {@code json}; not null
     * @return the format
     * @throws IllegalArgumentException for any other name
     */
    public static WireFormat parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("wire format is null; expected avro or json");
        }
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "avro":
                return AVRO;
            case "json":
                return JSON;
            default:
                throw new IllegalArgumentException("unknown wire format '" + name + "'; expected avro or json");
        }
    }

    /**
     * Detects the format of one record value from its first bytes: {@code 0xC3 0x01} is Avro single-object,
     * a first non-blank byte {@code '{'} (after an optional UTF-8 byte order mark) is JSON.
     *
     * @param value the record value; may be null
     * @return the format, or null when the value is neither (empty, blank or anything else)
     */
    public static WireFormat detect(byte[] value) {
        if (value == null || value.length == 0) {
            return null;
        }
        if (value.length >= 2 && value[0] == (byte) 0xC3 && value[1] == (byte) 0x01) {
            return AVRO;
        }
        int i = skipBomAndBlanks(value);
        return i < value.length && value[i] == '{' ? JSON : null;
    }

    /** Index of the first byte after a UTF-8 BOM and JSON whitespace. */
    static int skipBomAndBlanks(byte[] value) {
        int i = 0;
        if (value.length >= 3 && value[0] == (byte) 0xEF && value[1] == (byte) 0xBB && value[2] == (byte) 0xBF) {
            i = 3;
        }
        while (i < value.length && (value[i] == ' ' || value[i] == '\t' || value[i] == '\n' || value[i] == '\r')) {
            i++;
        }
        return i;
    }
}
