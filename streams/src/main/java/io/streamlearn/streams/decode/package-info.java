/**
 * Reading the input topics' records beyond Streamlearn's own formats: Confluent-framed values and keys
 * through a Schema Registry ({@link io.streamlearn.streams.decode.RegistryInput},
 * {@link io.streamlearn.streams.decode.ConfluentKeyDeserializer}).
 *
 * <pre>{@code
 * RegistryInput input = RegistryInput.from(config.values());   // null without schema.registry.url
 * }</pre>
 */
package io.streamlearn.streams.decode;
