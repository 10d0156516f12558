package io.streamlearn.streams.decode;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Seeded random tries for the decoder fuzz tests, in plain JUnit 5: a property is a body run for
 * {@value #TRIES_PROPERTY} tries (default {@value #DEFAULT_TRIES}), each with its own seed drawn from a base seed
 * that is random per run unless {@value #SEED_PROPERTY} fixes it. A failing try rethrows its error with the try's
 * seed and how to replay it alone ({@code -Dfuzz.seed=S -Dfuzz.tries=1}, since the first try of a run uses the
 * base seed itself). Each property prints how its tries ended (see {@link #collect}), as a tally of outcomes.
 *
 * <pre>{@code
 * Fuzz.run("an event is scored or dead-lettered", gen -> {
 *     Event event = gen.event();
 *     ...
 *     Fuzz.collect("outcome", reason);
 * });
 * }</pre>
 * A long run: {@code mvn -pl streams -am test -DskipITs -Dtest=DecodeStepFuzzTest -Dfuzz.tries=250000}.
 */
public final class Fuzz {

    /** System property: tries per property. */
    public static final String TRIES_PROPERTY = "fuzz.tries";
    /** System property: the base seed (a long); without it every run draws a new one. */
    public static final String SEED_PROPERTY = "fuzz.seed";
    public static final int DEFAULT_TRIES = 200;

    /** The golden-ratio increment of SplitMix64: consecutive tries' seeds are far apart. */
    private static final long SEED_STEP = 0x9E3779B97F4A7C15L;

    private static final ThreadLocal<Map<String, Map<String, Integer>>> TALLY = new ThreadLocal<>();

    /** One try of a property. */
    @FunctionalInterface
    public interface Try {
        void run(FuzzGen gen) throws Exception;
    }

    private Fuzz() {
    }

    /** The tries per property of this run. */
    public static int tries() {
        return Integer.getInteger(TRIES_PROPERTY, DEFAULT_TRIES);
    }

    /**
     * Runs {@code body} {@link #tries()} times with seeded generators.
     *
     * @return how the tries ended, per label and outcome (see {@link #collect})
     * @throws AssertionError the first failing try's error, with its seed and how to replay it
     */
    public static Map<String, Map<String, Integer>> run(String property, Try body) {
        int tries = tries();
        String fixed = System.getProperty(SEED_PROPERTY);
        long base = fixed != null && !fixed.isBlank() ? Long.parseLong(fixed.trim()) : ThreadLocalRandom.current().nextLong();
        Map<String, Map<String, Integer>> tally = new TreeMap<>();
        TALLY.set(tally);
        try {
            for (int i = 0; i < tries; i++) {
                long seed = base + i * SEED_STEP;
                try {
                    body.run(new FuzzGen(new SplittableRandom(seed)));
                } catch (Throwable t) {
                    AssertionError e = new AssertionError("'" + property + "' failed at try " + (i + 1) + " of " + tries
                            + " with seed " + seed + " (replay it alone: -D" + SEED_PROPERTY + "=" + seed + " -D"
                            + TRIES_PROPERTY + "=1): " + t, t);
                    throw e;
                }
            }
        } finally {
            TALLY.remove();
        }
        System.out.println(report(property, tries, base, tally));
        return tally;
    }

    /** Counts one outcome of the running try under {@code label}, for the property's printed tally. */
    public static void collect(String label, String outcome) {
        Map<String, Map<String, Integer>> tally = TALLY.get();
        if (tally != null) {
            tally.computeIfAbsent(label, l -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
        }
    }

    static String report(String property, int tries, long base, Map<String, Map<String, Integer>> tally) {
        StringBuilder s = new StringBuilder("[fuzz] ").append(property).append(": ").append(tries)
                .append(" tries, base seed ").append(base);
        tally.forEach((label, outcomes) -> {
            int total = outcomes.values().stream().mapToInt(Integer::intValue).sum();
            s.append("\n    ").append(label).append(':');
            outcomes.entrySet().stream()
                    .sorted((a, b) -> Integer.compare(b.getValue(), a.getValue()))
                    .forEach(e -> s.append(String.format(" %s %.1f%%", e.getKey(), 100.0 * e.getValue() / total)));
        });
        return s.toString();
    }
}
