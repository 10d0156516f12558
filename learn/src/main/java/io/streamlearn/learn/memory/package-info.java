/**
 * Recurrent memories: per-key state advanced on every event and turned into features for a readout
 * learner. Entry point: {@link io.streamlearn.learn.registry.Learners#create(String, int)} with a SPEC of several
 * stages, which builds a {@link io.streamlearn.learn.memory.CompositeLearner}:
 * <pre>
 *   spec    := (memory '+')* ('drift' [':' params] '+')? readout
 *   memory  := lags:p=24[,split=none|dlinear][,ma=25]                   {@link io.streamlearn.learn.memory.LagMemory}
 *            | ema:tau=60s/1h/1d[,of=label|features]                     {@link io.streamlearn.learn.memory.EmaMemory}
 *            | ssm:n=16[,init=real|lin][,timescale=1h][,of=label|features] {@link io.streamlearn.learn.memory.SsmMemory}
 *            | delta[:dk=d][,dv=1][,alpha=1][,lr=0.5][,eps=1e-6]        {@link io.streamlearn.learn.memory.DeltaMemory}
 *   readout := sgd | delta | kalman | rls | ...                          (Learners.readouts())
 * </pre>
 * Durations ({@link io.streamlearn.learn.memory.Durations}) take {@code ms, s, m, h, d, w}; lists use
 * {@code '/'}. The readout's input is the event's features followed by each memory's outputs in SPEC
 * order; the state is each memory's slots, a flag, then the readout's state. The drift guard is in
 * {@link io.streamlearn.learn.drift}.
 *
 * <pre>{@code
 * Learner l = Learners.create("lags:p=24,split=dlinear+ssm:n=16+sgd", 4);
 * Learner nlms = Learners.create("delta:lr=0.5", 4);
 * }</pre>
 *
 * <p>New memories implement {@link io.streamlearn.learn.memory.Memory} and register in
 * {@link io.streamlearn.learn.memory.Memories}.
 */
package io.streamlearn.learn.memory;
