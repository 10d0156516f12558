package io.streamlearn.schemas.registry;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;

/**
 * One schema as the registry returned it for an id: its type, its text and, for Avro, the parsed writer
 * schema with a generic reader over it (no reader schema: records are read as written). Immutable and
 * shared by every thread; cached by {@link SchemaRegistryClient} for the life of the client (a schema id
 * never changes meaning).
 *
 * @param id     the registry's global schema id (the 4 bytes after the magic byte)
 * @param type   {@code AVRO}, {@code JSON} or {@code PROTOBUF} (the registry's {@code schemaType}, absent
 *               meaning {@code AVRO})
 * @param text   the schema text
 * @param avro   the parsed Avro schema, or null when {@code type} is not {@code AVRO}
 * @param reader a generic reader of {@code avro} as writer and reader schema, or null when not Avro;
 *               thread-safe for reading
 * @param fingerprint the CRC-64-AVRO parsing fingerprint of {@code avro} (as single-object encoding uses), or 0
 *               when not Avro: tells a framed Streamlearn record from a foreign one
 */
public record RegisteredSchema(int id, String type, String text, Schema avro, GenericDatumReader<Object> reader,
                               long fingerprint) {

    /** {@code schemaType} of Avro schemas (the default when the registry omits it). */
    public static final String AVRO = "AVRO";
    /** {@code schemaType} of JSON Schema schemas. */
    public static final String JSON = "JSON";
}
