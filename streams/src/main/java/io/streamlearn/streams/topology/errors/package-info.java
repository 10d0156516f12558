/**
 * What happens to records that cannot be scored, so that one bad record never stops the
 * application. The scoring processor itself turns bad inputs into dead letters (see
 * {@link io.streamlearn.streams.topology.ScoreEventsProcessor}); the handlers here are Kafka Streams'
 * safety nets for what gets past it, and all of them count into one {@link
 * io.streamlearn.streams.topology.errors.SkippedRecords}.
 */
package io.streamlearn.streams.topology.errors;
