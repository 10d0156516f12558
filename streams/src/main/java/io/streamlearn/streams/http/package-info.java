/**
 * The HTTP endpoint of an application instance: {@link io.streamlearn.streams.http.ModelQueryServer}
 * (routes {@code /models/{key}} (GET, DELETE), {@code /models?prefix=}, {@code /score}, {@code /health},
 * {@code /metrics}) over the {@link io.streamlearn.streams.http.ModelQueries} interface, implemented for a
 * running Kafka Streams instance by {@link io.streamlearn.streams.http.KafkaStreamsModelQueries}; {@code DELETE
 * /models/{key}} goes through {@link io.streamlearn.streams.http.ForgetRequests} (live: a producer to the
 * {@code model-control} topic, {@link io.streamlearn.streams.http.KafkaForgetRequests}).
 * {@link io.streamlearn.streams.http.QueryEndpoint} starts it before the instance exists (so its port
 * can be the instance's {@code application.server}); {@link io.streamlearn.streams.http.HttpOptions} is
 * the {@code streamlearn run} command-line mixin.
 */
package io.streamlearn.streams.http;
