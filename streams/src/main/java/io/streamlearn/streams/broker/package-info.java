/**
 * {@link io.streamlearn.streams.broker.EmbeddedKafkaBroker}: a single-node KRaft broker in this JVM,
 * for {@code streamlearn run} without a broker, the demo, the integration tests and the benchmarks.
 */
package io.streamlearn.streams.broker;
