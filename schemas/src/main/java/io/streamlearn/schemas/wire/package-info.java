/**
 * Wire codecs for the Streamlearn records: Avro single-object encoding and JSON, detected per record.
 * The entry point is {@link io.streamlearn.schemas.wire.WireCodec}; failures are
 * {@link io.streamlearn.schemas.wire.MalformedRecordException} with a reason word for the dead letter.
 *
 * <pre>{@code
 * Event e = WireCodec.decodeEvent(recordValue);             // Avro or JSON
 * byte[] out = WireCodec.encode(prediction, WireFormat.JSON);
 * }</pre>
 */
package io.streamlearn.schemas.wire;
