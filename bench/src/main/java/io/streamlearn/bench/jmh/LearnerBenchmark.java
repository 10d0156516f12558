package io.streamlearn.bench.jmh;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Pure learner cost: one key's state, already decoded, and per event {@code predict} then {@code learn}
 * (the prequential order of the scoring step) over a pre-generated ring of feature vectors. No codec,
 * no store, no feature mapping. One op = one event. Run with {@code -prof gc}: the target is 0 B/op.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar LearnerBenchmark -p spec=sgd,kalman -p d=32 -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LearnerBenchmark {

    /**
     * Learner SPECs; a SPEC the registry does not know fails its own runs only. JMH splits {@code -p} values
     * at commas, so on the command line write the SPEC's commas as semicolons:
     * {@code -p "spec=kalman:q=1e-4;r=1;p0=1"}.
     */
    @Param({"sgd", "sgd:step=adagrad", "sgd:step=adam", "sgd:loss=huber", "kalman", "kalman:q=1e-4,r=1,p0=1", "rls",
        "delta", "delta:dk=16,dv=16+sgd"})
    public String spec;

    /** Input dimension. */
    @Param({"8", "32", "128"})
    public int d;

    private Learner learner;
    private ModelState state;
    private final Prediction out = new Prediction();
    private double[][] xs;
    private double[] ys;
    private int next;
    private long time;

    @Setup
    public void setUp() {
        learner = Learners.create(spec.replace(';', ','), d);
        state = learner.newState();
        BenchData data = new BenchData(d, 17);
        xs = data.xs;
        ys = data.ys;
        time = 1_000_000L;
    }

    /** One event: predict, then learn its label. */
    @Benchmark
    public double predictAndLearn() {
        int i = next++ & (BenchData.RING - 1);
        long t = time++;
        learner.predict(state, xs[i], t, out);
        learner.learn(state, xs[i], t, ys[i]);
        return out.mean();
    }

    /** Prediction alone, for events whose label is not known (yet). */
    @Benchmark
    public double predict() {
        int i = next++ & (BenchData.RING - 1);
        learner.predict(state, xs[i], time, out);
        return out.mean();
    }
}
