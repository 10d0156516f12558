/**
 * Where an event goes: {@link io.streamlearn.streams.topology.StreamlearnTopology} wires the
 * {@code events} topic to {@link io.streamlearn.streams.topology.ScoreEventsProcessor}, which decodes,
 * checks and scores each record with the shared {@link io.streamlearn.streams.scoring.ScoringStep}
 * over the {@code models} store, and sends predictions to {@code predictions} and bad records to
 * {@code dead-letters}. The exception handlers that keep the application running are in
 * {@code topology.errors}; running the topology is {@code app}'s job.
 */
package io.streamlearn.streams.topology;
