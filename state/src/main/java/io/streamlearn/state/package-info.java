/**
 * Model state as bytes: the versioned {@link io.streamlearn.state.StateCodec}, and the storage that
 * holds those bytes (RocksDB configuration for Kafka Streams, stores usable without Kafka).
 * Depends on {@code learn} and RocksDB; knows nothing of topics or Avro.
 */
package io.streamlearn.state;
