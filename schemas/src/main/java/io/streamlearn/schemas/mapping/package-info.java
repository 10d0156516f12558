/**
 * Field mapping: reads events and labels of a foreign shape (JSON bytes, a Jackson tree, an Avro generic
 * record) into Streamlearn's {@link io.streamlearn.schemas.Event} and {@link io.streamlearn.schemas.Label},
 * by the settings {@code streamlearn.input.*} and {@code streamlearn.labels.*}. The entry point is
 * {@link io.streamlearn.schemas.mapping.FieldMapping}; failures are
 * {@link io.streamlearn.schemas.mapping.MappingException} with a reason word and the field path.
 *
 * <pre>{@code
 * FieldMapping m = FieldMapping.of(settings, FieldMapping.INPUT_PREFIX);
 * Event e = m.decodeEvent(recordValue, recordKey, recordTimestamp);   // JSON, or today's shapes
 * }</pre>
 */
package io.streamlearn.schemas.mapping;
