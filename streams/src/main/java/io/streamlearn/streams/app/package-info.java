/**
 * Running the topology: {@link io.streamlearn.streams.app.AppConfig} (settings from a properties file
 * and command-line overrides) and {@link io.streamlearn.streams.app.StreamlearnApp} (Kafka Streams
 * with the exception handlers that keep it running).
 */
package io.streamlearn.streams.app;
