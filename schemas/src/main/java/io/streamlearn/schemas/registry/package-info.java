/**
 * Records in the Confluent wire format (magic byte 0, a 4-byte schema id, an Avro or JSON body) and the
 * small Schema Registry client they need. The entry point is
 * {@link io.streamlearn.schemas.registry.ConfluentCodec}; the client is
 * {@link io.streamlearn.schemas.registry.SchemaRegistryClient}, configured by
 * {@link io.streamlearn.schemas.registry.RegistryConfig} from the usual {@code schema.registry.url} and
 * {@code basic.auth.user.info} settings.
 *
 * <pre>{@code
 * ConfluentCodec codec = new ConfluentCodec(new SchemaRegistryClient(RegistryConfig.from(settings)));
 * Object datum = codec.decode(value);                         // GenericRecord or JsonNode
 * byte[] out = codec.encode("predictions-value", prediction);  // registers, then frames
 * }</pre>
 */
package io.streamlearn.schemas.registry;
