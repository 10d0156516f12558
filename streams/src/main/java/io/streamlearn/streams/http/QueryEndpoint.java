package io.streamlearn.streams.http;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP endpoint of an application instance, started before its {@code KafkaStreams} exists: Kafka
 * Streams needs {@code application.server} (this endpoint's address, so with an ephemeral port only
 * known once bound) at construction, and the endpoint needs the instance to answer. Until
 * {@link #attach} it answers {@code /health} with 503 {@code STARTING} and queries with 503.
 * Attached to a {@link StreamlearnApp} with a control topic, it also answers {@code DELETE /models/{key}}
 * through a {@link KafkaForgetRequests} producer that it owns and closes. Thread-safe.
 *
 * <pre>{@code
 * try (StreamlearnMetrics metrics = new StreamlearnMetrics();
 *      QueryEndpoint http = QueryEndpoint.start(ModelQueryServer.Options.local(0), metrics)) {
 *     HostInfo self = http.hostInfo("127.0.0.1");
 *     props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
 *     KafkaStreams streams = new KafkaStreams(topology, props);
 *     http.attach(streams, "models", space, specs, self);
 *     streams.start();
 * }
 * // or, for a StreamlearnApp (also DELETE /models/{key} when it has a control topic):
 * try (QueryEndpoint http = QueryEndpoint.start(ModelQueryServer.Options.local(0).withToken(token), metrics)) {
 *     HostInfo self = http.hostInfo("127.0.0.1");
 *     StreamlearnApp app = new StreamlearnApp(config.with(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + self.port()));
 *     http.attach(app, self);
 *     app.start();
 * }
 * }</pre>
 */
public final class QueryEndpoint implements AutoCloseable {

    /** Answers while the instance does not exist yet. */
    private static final ModelQueries STARTING = new ModelQueries() {
        @Override
        public Route route(String entityKey) {
            return Route.unavailable("the instance is starting");
        }

        @Override
        public List<ModelView> models(String entityKey) {
            throw new InvalidStateStoreException("starting");
        }

        @Override
        public KeyPage keys(String prefix, int limit) {
            throw new InvalidStateStoreException("starting");
        }

        @Override
        public ScoreResult score(String entityKey, Map<String, Double> features, Long time) {
            throw new InvalidStateStoreException("starting");
        }

        @Override
        public List<String> peers() {
            return List.of();
        }

        @Override
        public String streamsState() {
            return "STARTING";
        }

        @Override
        public boolean isServing() {
            return false;
        }
    };

    private final AtomicReference<ModelQueries> delegate = new AtomicReference<>(STARTING);
    private final AtomicReference<ForgetRequests> forget = new AtomicReference<>();
    private final StreamlearnMetrics metrics;
    private final ModelQueryServer server;

    private QueryEndpoint(ModelQueryServer.Options options, StreamlearnMetrics metrics) throws IOException {
        this.metrics = metrics;
        ModelQueries forwarding = new ModelQueries() {
            @Override
            public Route route(String entityKey) {
                return delegate.get().route(entityKey);
            }

            @Override
            public List<ModelView> models(String entityKey) {
                return delegate.get().models(entityKey);
            }

            @Override
            public KeyPage keys(String prefix, int limit) {
                return delegate.get().keys(prefix, limit);
            }

            @Override
            public ScoreResult score(String entityKey, Map<String, Double> features, Long time) {
                return delegate.get().score(entityKey, features, time);
            }

            @Override
            public List<String> peers() {
                return delegate.get().peers();
            }

            @Override
            public String streamsState() {
                return delegate.get().streamsState();
            }

            @Override
            public boolean isServing() {
                return delegate.get().isServing();
            }

            @Override
            public Optional<String> self() {
                return delegate.get().self();
            }

            @Override
            public FieldMapping eventMapping() {
                return delegate.get().eventMapping();
            }
        };
        ForgetRequests forgetting = key -> {
            ForgetRequests f = forget.get();
            if (f != null) {
                return f.forget(key);
            }
            if (delegate.get() == STARTING) {
                throw new InvalidStateStoreException("starting");
            }
            throw new UnsupportedOperationException("this instance has no model-control topic");
        };
        this.server = ModelQueryServer.start(forwarding, forgetting, metrics::scrape, metrics.registry(), options);
    }

    /** Binds the server; it answers 503 until {@link #attach}. */
    public static QueryEndpoint start(ModelQueryServer.Options options, StreamlearnMetrics metrics) throws IOException {
        return new QueryEndpoint(options, metrics);
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** The {@code application.server} of this instance: {@code advertisedHost} and the bound port. */
    public HostInfo hostInfo(String advertisedHost) {
        return new HostInfo(advertisedHost, server.port());
    }

    /** Starts answering for {@code queries} (tests, or another implementation). */
    public void attach(ModelQueries queries) {
        delegate.set(queries);
    }

    /**
     * Starts answering for a Kafka Streams instance and binds its client metrics.
     *
     * @param self must equal the instance's {@code application.server}
     */
    public void attach(KafkaStreams streams, String storeName, FeatureSpace space, List<String> specs, HostInfo self) {
        attach(new KafkaStreamsModelQueries(streams, storeName, space, specs, self), streams);
    }

    private void attach(KafkaStreamsModelQueries queries, KafkaStreams streams) {
        metrics.bindKafkaStreams(streams);
        attach(queries);
    }

    /**
     * Starts answering for a running (or starting) application: its Kafka Streams instance as
     * {@link #attach(KafkaStreams, String, FeatureSpace, List, HostInfo)} does, and, when it has a control
     * topic, forget requests through a producer of its own (closed by {@link #close}).
     *
     * @param self must equal the instance's {@code application.server}
     */
    public void attach(StreamlearnApp app, HostInfo self) {
        AppConfig config = app.config();
        if (config.controlTopic() != null) {
            attach(KafkaForgetRequests.create(config));
        }
        KafkaStreamsModelQueries queries = config.controlTopic() == null
                ? new KafkaStreamsModelQueries(app.streams(), config.storeName(), config.featureSpace(), config.models(), self,
                        app::restoringPartitions)
                : new KafkaStreamsModelQueries(app.streams(), config.storeName(), ModelControl.STORE, config.featureSpace(),
                        config.models(), self, app::restoringPartitions);
        attach(queries.mapping(config.eventMapping()).startedWhen(app::hasBeenRunning), app.streams());
    }

    /** Starts answering {@code DELETE /models/{key}} through {@code requests}, which this endpoint then closes. */
    public void attach(ForgetRequests requests) {
        ForgetRequests before = forget.getAndSet(requests);
        closeQuietly(before);
    }

    /** Stops the server, then closes the forget-request producer, if any. */
    @Override
    public void close() {
        server.close();
        closeQuietly(forget.getAndSet(null));
    }

    private static void closeQuietly(ForgetRequests requests) {
        if (requests instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // closing at shutdown; nothing to do
            }
        }
    }
}
