/**
 * Running the topology: {@link io.streamlearn.streams.app.AppConfig} (settings from a properties file
 * and command-line overrides), {@link io.streamlearn.streams.app.TopicSetup} (creates and checks the
 * input topics before a start), {@link io.streamlearn.streams.app.StreamlearnApp} (Kafka Streams with
 * the exception handlers that keep it running) and {@link io.streamlearn.streams.app.Replay} (the live
 * topology again over a time range of its topics, under a fresh application id).
 */
package io.streamlearn.streams.app;
