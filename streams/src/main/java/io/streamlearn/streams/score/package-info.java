/**
 * Step 3 of the route of an event: {@link io.streamlearn.streams.score.ScoringStep} (load the key's state,
 * predict, learn when a label is due, store), shared by the topology, the backtest and the HTTP
 * endpoint; {@link io.streamlearn.streams.score.ModelSets} (which models score a key, from the
 * {@code model-control} store or the configured list) and {@link io.streamlearn.streams.score.KeyValueModelStore}
 * (a Kafka Streams store as a {@code ModelStore}). May use: {@code control}.
 */
package io.streamlearn.streams.score;
