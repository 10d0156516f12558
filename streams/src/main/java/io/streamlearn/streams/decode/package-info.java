/**
 * Step 1 of the route of an event: bytes to records. {@link io.streamlearn.streams.decode.WireSerdes}
 * (Kafka serdes over the Avro single-object / JSON codecs), {@link io.streamlearn.streams.decode.Timestamps}
 * (event times as epoch ms or ISO-8601) and {@link io.streamlearn.streams.decode.ContinueOnDeserializationError},
 * Kafka Streams' safety net for a record that cannot be deserialized (counted, skipped).
 * The topology itself decodes each value with {@code WireCodec}; a record that does not decode becomes a dead
 * letter ({@code publish}). With {@code schema.registry.url}, Confluent-framed values and keys are read through
 * the Schema Registry: {@link io.streamlearn.streams.decode.RegistryInput} (values, then the field mapping)
 * and {@link io.streamlearn.streams.decode.ConfluentKeyDeserializer} (record keys). May use: {@code metrics}.
 *
 * <pre>{@code
 * Serde<Prediction> serde = WireSerdes.prediction(WireFormat.AVRO);
 * RegistryInput input = RegistryInput.from(config.values());   // null without schema.registry.url
 * }</pre>
 */
package io.streamlearn.streams.decode;
