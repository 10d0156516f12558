package io.streamlearn.bench.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.StateCodec;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Prints the encoded state size per key of each learner (StateCodec's current version), split into the
 * codec header and the learner's own doubles, as a Markdown table for {@code bench/results/state.md}.
 *
 * <pre>{@code
 * java -cp ... io.streamlearn.bench.memory.StateSizes 16 sgd kalman rls
 * }</pre>
 */
public final class StateSizes {

    private StateSizes() {
    }

    public static void main(String[] args) {
        int d = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        List<String> specs = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("sgd", "sgd:step=adagrad,lr=0.1", "kalman", "kalman:q=0.0025,r=0.25", "rls");
        String entity = "user-000000001";
        System.out.println("| model SPEC | d | doubles | header B | values B | state bytes | store key B |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String spec : specs) {
            Learner learner;
            try {
                learner = Learners.create(spec, d);
            } catch (IllegalArgumentException e) {
                System.out.println("| `" + spec + "` | " + d + " | not in this build: " + e.getMessage() + " | | | | |");
                continue;
            }
            ModelState state = learner.newState();
            byte[] bytes = StateCodec.encode(learner, state);
            int n = state.values().length;
            int keyBytes = ModelStore.storeKey(entity, spec).getBytes(StandardCharsets.UTF_8).length;
            System.out.printf("| `%s` | %d | %d | %d | %d | %d | %d |%n", spec, d, n, bytes.length - 8 * n, 8 * n, bytes.length, keyBytes);
        }
    }
}
