package io.streamlearn.bench.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.StateCodec;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Prints the encoded state size per key of each learner, as a Markdown table for
 * {@code bench/results/state.md}: the number of values, the format version written, the encoded bytes
 * of a state that has learned {@value #UPDATES} events with a 2026 event time (the size a live key
 * has), and what format 3 (every value a double) would take for the same state. The size of a key's state never grows with its event count, except
 * the header's update-count varint (one byte more at 128, 16,384, ... updates).
 *
 * <pre>{@code
 * java -cp ... io.streamlearn.bench.memory.StateSizes 8,16,32 sgd kalman rls
 * }</pre>
 */
public final class StateSizes {

    /** Updates counted in the measured header (a two-byte varint: 128 to 16,383). */
    static final long UPDATES = 1_000;
    /** Event time in the measured header: 2026-11-27T00:00:00Z. */
    static final long TIME = 1_795_737_600_000L;

    private static final List<String> DEFAULT_SPECS = List.of(
            "sgd:step=constant", "sgd:step=invscaling", "sgd:step=adagrad", "sgd:step=adam", "sgd", "sgd:step=ftrl",
            "kalman:q=0.0025,r=0.25", "kalman:q=0.0025,r=0.25,intercept=false", "kalman:q=0,r=auto",
            "kalman:q=0.0025,r=0.25,qtime=true", "kalman", "rls", "rls:intercept=false", "kalman:loss=logistic",
            "lags:p=3+kalman:q=0.0025,r=0.25", "drift:action=inflate+kalman:q=0.0025,r=0.25",
            "kalman:scale=none", "lags:p=3+kalman", "drift:action=inflate+kalman");

    private StateSizes() {
    }

    /**
     * The state of {@code learner} after {@value #UPDATES} labelled events (Gaussian features, a noisy
     * linear label, one second apart, ending at {@link #TIME}): the values and counters a live key has.
     * A fresh state would understate compact states, whose counts are varints.
     */
    static ModelState learned(Learner learner) {
        ModelState state = learner.newState();
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        int d = learner.dimension();
        double[] x = new double[d];
        boolean binary = learner.spec().contains("loss=logistic");
        for (int t = 0; t < UPDATES; t++) {
            double y = 0.5;
            for (int i = 0; i < d; i++) {
                x[i] = r.nextGaussian();
                y += (i % 3 - 1) * x[i];
            }
            long time = TIME - 1_000L * (UPDATES - 1 - t);
            learner.observe(state, x, time);
            double label = y + 0.3 * r.nextGaussian();
            learner.learn(state, x, time, binary ? (label > 0.5 ? 1.0 : 0.0) : label);
        }
        state.setCounters(UPDATES, TIME);
        return state;
    }

    /** Encoded bytes of {@code spec} at dimension {@code d} after {@value #UPDATES} updates. */
    static int bytes(String spec, int d) {
        Learner learner = Learners.create(spec, d);
        return StateCodec.encode(learner, learned(learner)).length;
    }

    public static void main(String[] args) {
        String[] dims = (args.length > 0 ? args[0] : "16").split(",");
        List<String> specs = args.length > 1 ? List.of(args).subList(1, args.length) : DEFAULT_SPECS;
        String entity = "user-000000001";
        System.out.println("| model SPEC | d | values | format | **state bytes** | all doubles (format 3) | store key B |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String spec : specs) {
            for (String dim : dims) {
                int d = Integer.parseInt(dim.trim());
                Learner learner;
                try {
                    learner = Learners.create(spec, d);
                } catch (IllegalArgumentException e) {
                    System.out.println("| `" + spec + "` | " + d + " | not in this build: " + e.getMessage() + " | | | | |");
                    continue;
                }
                ModelState state = learned(learner);
                int n = state.values().length;
                byte[] bytes = StateCodec.encode(learner, state);
                int doubles = StateCodec.encodedSize(io.streamlearn.learn.Storage.doubles(n), learner.layout(), state);
                int keyBytes = ModelStore.storeKey(entity, spec).getBytes(StandardCharsets.UTF_8).length;
                System.out.printf("| `%s` | %d | %d | %d | **%d** | %d | %d |%n",
                        spec, d, n, bytes[0], bytes.length, doubles, keyBytes);
            }
        }
    }
}
