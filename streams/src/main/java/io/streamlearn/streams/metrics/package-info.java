/**
 * Metrics of an application instance: {@link io.streamlearn.streams.metrics.StreamlearnMetrics}, a
 * Micrometer Prometheus registry with JVM and Kafka Streams client meters, served at {@code GET /metrics}.
 */
package io.streamlearn.streams.metrics;
