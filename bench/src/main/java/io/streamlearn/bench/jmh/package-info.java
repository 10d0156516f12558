/**
 * JMH micro-benchmarks: {@link io.streamlearn.bench.jmh.LearnerBenchmark} (pure learner cost),
 * {@link io.streamlearn.bench.jmh.ScoringStepBenchmark} (the per-event step over an in-memory store) and
 * {@link io.streamlearn.bench.jmh.CodecBenchmark} (wire codecs). Run by hand, see {@code bench/README.md}:
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar -prof gc -f 1 -wi 2 -i 3 -w 1s -r 1s
 * }</pre>
 */
package io.streamlearn.bench.jmh;
