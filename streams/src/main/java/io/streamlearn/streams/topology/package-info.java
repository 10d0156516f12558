/**
 * The wiring of the route of an event: {@link io.streamlearn.streams.topology.StreamlearnTopology}
 * connects the {@code events} topic to {@link io.streamlearn.streams.topology.ScoreEventsProcessor}
 * (decode, map the key, score with {@code score.ScoringStep}, keep the unlabelled event) and the
 * {@code labels} topic to the label join, which learns through the same step. The steps themselves
 * live in {@code decode}, {@code map}, {@code score}, {@code labels} and {@code publish}; the control
 * topic in {@code control}; key eviction and forgetting in {@code housekeeping}. Running the topology
 * is {@code app}'s job.
 */
package io.streamlearn.streams.topology;
