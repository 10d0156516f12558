/**
 * Step 3 of the route of an event: {@link io.streamlearn.streams.score.ScoringStep} (load the key's state,
 * predict, learn when a label is due, store), shared by the topology, the backtest and the HTTP
 * endpoint; {@link io.streamlearn.streams.score.ModelSets} (which models score a key, from the
 * {@code model-control} store or the configured list) and {@link io.streamlearn.streams.score.KeyValueModelStore}
 * (a Kafka Streams store as a {@code ModelStore}); {@link io.streamlearn.streams.score.PopulationPriors} and
 * {@link io.streamlearn.streams.score.PriorSettings}: the cold start of new keys from their task's population.
 *
 * <p><b>Population priors: the guarantee.</b> Each task (events-topic partition) keeps, per model, the
 * population of its own keys as one entry of its own changelogged models store, updated by the scoring
 * step in the task's event order; a new key starts from its task's prior. A key's prior is therefore a
 * deterministic function of the events of its partition before it, so {@code streamlearn backtest
 * --partitions N} (the events topic's partition count; Kafka's default partitioner) reproduces every
 * prediction bit for bit, and exactly-once comes with the changelog, with no coordination between
 * instances. A compacted {@code model-priors} topic read as a global store was not chosen: its records
 * would reach each instance at a wall-clock moment, so which prior a key starts from would depend on
 * timing, not on the events, and replay and backtest could not reproduce it. The limit: each task learns
 * only from its own keys, so with few keys per partition the prior forms later (see
 * {@code bench/results/cold-start.md}). May use: {@code control}.
 */
package io.streamlearn.streams.score;
