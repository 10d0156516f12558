/**
 * Metrics of an application instance: {@link io.streamlearn.streams.metrics.StreamlearnMetrics}, a
 * Micrometer Prometheus registry with JVM and Kafka Streams client meters, served at {@code GET /metrics};
 * and {@link io.streamlearn.streams.metrics.StreamlearnMeters}, the topology's own meters (events,
 * predictions, labels, dead letters, evictions, rolling error per model, latency histograms, store sizes).
 *
 * <pre>{@code
 * try (StreamlearnMetrics metrics = new StreamlearnMetrics();
 *      StreamlearnApp app = new StreamlearnApp(config, metrics.registry())) {
 *     app.start();
 *     String text = metrics.scrape();   // streamlearn_events_total{outcome="scored"} ...
 * }
 * }</pre>
 */
package io.streamlearn.streams.metrics;
