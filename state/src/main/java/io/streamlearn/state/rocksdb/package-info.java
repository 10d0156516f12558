/**
 * RocksDB configuration for the Kafka Streams stores:
 * {@link io.streamlearn.state.rocksdb.BoundedMemoryRocksDBConfig}, one bounded off-heap budget for all
 * the stores of an instance.
 */
package io.streamlearn.state.rocksdb;
