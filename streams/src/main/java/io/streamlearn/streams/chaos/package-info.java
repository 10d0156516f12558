/**
 * Proof of exactly-once under failure: {@link io.streamlearn.streams.chaos.ChaosWorkload} (events and
 * labels whose outcome does not depend on timing), {@link io.streamlearn.streams.chaos.ChaosFeeder}
 * (sends them at a steady rate) and {@link io.streamlearn.streams.chaos.ExactlyOnceAudit} (what a
 * read_committed reader sees, against {@code streamlearn backtest}). Used by the replicated-cluster
 * integration test and by bench's chaos harness ({@code io.streamlearn.bench.chaos.ChaosRun}); not
 * by the application itself.
 */
package io.streamlearn.streams.chaos;
