/**
 * Step 5 of the route of an event: what leaves the topology besides predictions.
 * {@link io.streamlearn.streams.publish.DeadLetters} writes a record that could not be scored to
 * {@code dead-letters} with a reason and counts it; {@link io.streamlearn.streams.publish.ContinueOnProcessingError}
 * and {@link io.streamlearn.streams.publish.ContinueOnRecordProductionError} are Kafka Streams' safety nets
 * for what gets past the processors (counted, skipped). May use: {@code metrics}.
 */
package io.streamlearn.streams.publish;
