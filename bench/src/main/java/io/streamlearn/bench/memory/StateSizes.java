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
 * {@code bench/results/state.md}: the learner's doubles, the {@link StateCodec} header of the current
 * format version (its varints measured on a state that has learned {@value #UPDATES} events with a
 * 2026 event time, the size a live key has), the total, and what format version 1 (29-byte header)
 * would take for the same values. The size of a key's state never grows with its event count, except
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
            "lags:p=3+kalman:q=0.0025,r=0.25", "drift:action=inflate+kalman:q=0.0025,r=0.25");

    private StateSizes() {
    }

    /** Encoded bytes of {@code spec} at dimension {@code d}, or -1 if the spec is not in this build. */
    static int bytes(String spec, int d) {
        Learner learner = Learners.create(spec, d);
        ModelState state = learner.newState();
        state.setCounters(UPDATES, TIME);
        return StateCodec.encode(learner, state).length;
    }

    public static void main(String[] args) {
        String[] dims = (args.length > 0 ? args[0] : "16").split(",");
        List<String> specs = args.length > 1 ? List.of(args).subList(1, args.length) : DEFAULT_SPECS;
        String entity = "user-000000001";
        System.out.println("| model SPEC | d | doubles | header B | values B | state bytes | with v1 header | store key B |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String spec : specs) {
            for (String dim : dims) {
                int d = Integer.parseInt(dim.trim());
                Learner learner;
                try {
                    learner = Learners.create(spec, d);
                } catch (IllegalArgumentException e) {
                    System.out.println("| `" + spec + "` | " + d + " | not in this build: " + e.getMessage() + " | | | | | |");
                    continue;
                }
                int n = learner.newState().values().length;
                int total = bytes(spec, d);
                int keyBytes = ModelStore.storeKey(entity, spec).getBytes(StandardCharsets.UTF_8).length;
                System.out.printf("| `%s` | %d | %d | %d | %d | **%d** | %d | %d |%n",
                        spec, d, n, total - 8 * n, 8 * n, total, 29 + 8 * n, keyBytes);
            }
        }
    }
}
