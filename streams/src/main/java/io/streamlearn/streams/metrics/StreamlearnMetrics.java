package io.streamlearn.streams.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The metrics of one application instance, in a Micrometer {@link PrometheusMeterRegistry}: JVM memory,
 * GC, threads and CPU, Kafka Streams' own client metrics once {@link #bindKafkaStreams} is called, and
 * whatever the application registers on {@link #registry()}. {@link #scrape()} renders the Prometheus
 * text format served at {@code GET /metrics}. Thread-safe.
 *
 * <pre>{@code
 * try (StreamlearnMetrics metrics = new StreamlearnMetrics()) {
 *     metrics.bindKafkaStreams(streams);
 *     String text = metrics.scrape();
 * }
 * }</pre>
 */
public final class StreamlearnMetrics implements AutoCloseable {

    /** Content type of {@link #scrape()}: the Prometheus text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private KafkaStreamsMetrics streamsMetrics;

    public StreamlearnMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    /** The registry, for the application's own meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Binds Kafka Streams' client metrics (threads, tasks, stores, embedded clients) as
     * {@code kafka_stream_*} meters; a second call replaces the first binding.
     */
    public synchronized void bindKafkaStreams(KafkaStreams streams) {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public synchronized void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
            streamsMetrics = null;
        }
        gc.close();
        registry.close();
    }
}
