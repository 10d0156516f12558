package io.streamlearn.streams.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;

import java.util.ArrayList;
import java.util.List;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The metrics of one application instance, in a Micrometer {@link PrometheusMeterRegistry}: JVM memory,
 * GC, threads and CPU, Kafka Streams' own client metrics once {@link #bindKafkaStreams} is called, and
 * whatever the application registers on {@link #registry()}, notably the topology's
 * {@link StreamlearnMeters} (give the registry to {@code new StreamlearnApp(config, registry)}). {@link #scrape()} renders the Prometheus
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
    /**
     * How often the Kafka Streams binding looks for client metrics created since (thread, task and
     * store metrics appear when Kafka Streams starts and when tasks are assigned); Micrometer's default is 60 s.
     */
    public static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(10);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private KafkaStreamsMetrics streamsMetrics;
    private ScheduledExecutorService refresher;

    public StreamlearnMetrics() {
        registry.config().meterFilter(ONE_STATE_ID_TAG);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    /**
     * Kafka Streams names a state store's tag after its type ({@code rocksdb-state-id},
     * {@code in-memory-state-id}, ...), so the same metric (e.g. restore latency) of the RocksDB models
     * store and of the in-memory model-control store would carry different tag keys, which Prometheus
     * refuses (Micrometer then drops the second meter with a warning). This filter turns every
     * {@code <type>-state-id} tag into {@code state-id} plus {@code store-type=<type>}.
     */
    static final MeterFilter ONE_STATE_ID_TAG = new MeterFilter() {
        @Override
        public Meter.Id map(Meter.Id id) {
            List<Tag> tags = new ArrayList<>();
            boolean renamed = false;
            for (Tag t : id.getTagsAsIterable()) {
                String k = t.getKey();
                if ((k.endsWith("-state-id") || k.endsWith(".state.id")) && k.length() > "-state-id".length()) {
                    tags.add(Tag.of("state-id", t.getValue()));
                    tags.add(Tag.of("store-type", k.substring(0, k.length() - "-state-id".length())));
                    renamed = true;
                } else {
                    tags.add(t);
                }
            }
            return renamed ? id.replaceTags(tags) : id;
        }
    };

    /** The registry, for the application's own meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Binds Kafka Streams' client metrics (threads, tasks, stores, embedded clients) as
     * {@code kafka_stream_*} meters, looking for new ones every {@link #KAFKA_METRICS_REFRESH}; a second
     * call replaces the first binding.
     */
    public synchronized void bindKafkaStreams(KafkaStreams streams) {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        if (refresher == null) {
            refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamlearn-kafka-metrics");
                t.setDaemon(true);
                return t;
            });
        }
        streamsMetrics = new KafkaStreamsMetrics(streams, List.of(), refresher, KAFKA_METRICS_REFRESH);
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
        if (refresher != null) {
            refresher.shutdownNow();
            refresher = null;
        }
        gc.close();
        registry.close();
    }
}
