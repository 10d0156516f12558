/**
 * Kafka serdes for the Streamlearn records; the entry point is {@link io.streamlearn.streams.serde.WireSerdes}.
 *
 * <pre>{@code
 * Serde<Prediction> serde = WireSerdes.prediction(WireFormat.AVRO);
 * }</pre>
 */
package io.streamlearn.streams.serde;
