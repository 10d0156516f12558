package io.streamlearn.bench.jmh;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.streams.score.ScoringStep;
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

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The whole per-event scoring step over an {@link InMemoryModelStore}: feature mapping, validation, state
 * load and decode, predict, sink, learn, encode and store, for events spread over {@code keys} keys,
 * d = 8, every event labelled. Against {@link LearnerBenchmark} this shows what the state codec, the store
 * key and the hash map cost. Events (feature maps, keys) are pre-generated; the store is filled with every
 * key's state before measuring, so this is the steady state, not first sight of each key.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar ScoringStepBenchmark -p keys=1000 -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ScoringStepBenchmark {

    static final int DIMENSION = 8;
    private static final int KEY_SEQUENCE = 1 << 17;

    @Param({"sgd", "kalman"})
    public String spec;

    /** Number of distinct keys the events are spread over (uniformly at random). */
    @Param({"1", "1000", "100000"})
    public int keys;

    private ScoringStep step;
    private InMemoryModelStore store;
    private List<Map<String, Double>> features;
    private double[] labels;
    private String[] keySequence;
    private int next;
    private long time;
    private double lastMean;
    private final ScoringStep.Sink sink = (model, champion, version, mean, stddev) -> lastMean = mean;

    @Setup
    public void setUp() {
        step = new ScoringStep(FeatureSpace.ordered(BenchData.names(DIMENSION)), List.of(spec));
        store = new InMemoryModelStore();
        BenchData data = new BenchData(DIMENSION, 23);
        features = data.featureMaps();
        labels = data.ys;
        String[] names = new String[keys];
        for (int k = 0; k < keys; k++) {
            names[k] = "key-" + k;
        }
        Random random = new Random(29);
        keySequence = new String[KEY_SEQUENCE];
        for (int n = 0; n < KEY_SEQUENCE; n++) {
            keySequence[n] = names[random.nextInt(keys)];
        }
        time = 1_000_000L;
        for (int k = 0; k < keys; k++) {
            step.score(names[k], time++, features.get(k & (BenchData.RING - 1)), labels[k & (BenchData.RING - 1)], store, sink);
        }
    }

    /** One labelled event of one key: the scoring step as the topology runs it, minus Kafka. */
    @Benchmark
    public double scoreAndLearn() {
        int n = next++;
        int i = n & (BenchData.RING - 1);
        step.score(keySequence[n & (KEY_SEQUENCE - 1)], time++, features.get(i), labels[i], store, sink);
        return lastMean;
    }

    InMemoryModelStore store() {
        return store;
    }
}
