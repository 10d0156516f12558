package io.streamlearn.streams.decode;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * The generators of one fuzz try ({@link Fuzz}), all drawn from one seeded {@link SplittableRandom}, so a try
 * replays from its seed. Values lean towards the edges that break decoders and learners: text with quotes,
 * backslashes, newlines and U+2028; numbers from ±1e3 to ±1e150, signed zeros and the smallest subnormal.
 */
public final class FuzzGen {

    private static final char[] SPECIAL = {'"', '\\', '\n', '\u2028'};
    private static final double[] EDGES = {0.0, -0.0, 1e150, -1e150, Double.MIN_VALUE, 1e-300};

    private final SplittableRandom random;

    public FuzzGen(SplittableRandom random) {
        this.random = random;
    }

    /** Uniform in [min, max], both included. */
    public int between(int min, int max) {
        return min + random.nextInt(max - min + 1);
    }

    /** Uniform in [min, max], both included. */
    public long between(long min, long max) {
        return max == Long.MAX_VALUE ? Math.max(min, random.nextLong(min, max)) : random.nextLong(min, max + 1);
    }

    public boolean bool() {
        return random.nextBoolean();
    }

    /** True with probability {@code p}. */
    public boolean chance(double p) {
        return random.nextDouble() < p;
    }

    /** One of an enum's constants, uniformly. */
    public <E extends Enum<E>> E pick(Class<E> type) {
        E[] all = type.getEnumConstants();
        return all[random.nextInt(all.length)];
    }

    /** One of {@code choices}, uniformly. */
    @SafeVarargs
    public final <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** A {@link Random} seeded from this try's stream, for code that takes one ({@link Mutations}). */
    public Random random() {
        return new Random(random.nextLong());
    }

    /**
     * Text of {@code min} to {@code max} characters without U+0000 (reserved in keys) and without lone surrogates
     * (not representable in UTF-8): printable ASCII and controls, the BMP below the surrogates, and a few specials.
     */
    public String text(int min, int max) {
        int n = between(min, max);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(10);
            if (kind < 5) {
                s.append((char) between(0x01, 0x7f));
            } else if (kind < 8) {
                s.append((char) between(0xa0, 0xd7ff));
            } else {
                s.append(SPECIAL[random.nextInt(SPECIAL.length)]);
            }
        }
        return s.toString();
    }

    /**
     * A finite number: 60% within ±1e3, 20% within ±1e12, 10% within ±1e150, 10% an edge
     * (±0, ±1e150, the smallest subnormal, 1e-300).
     */
    public double value() {
        int kind = random.nextInt(10);
        if (kind < 6) {
            return uniform(1e3);
        } else if (kind < 8) {
            return uniform(1e12);
        } else if (kind < 9) {
            return uniform(1e150);
        }
        return EDGES[random.nextInt(EDGES.length)];
    }

    /** {@link #value()}, or null with probability {@code nullChance}. */
    public Double valueOrNull(double nullChance) {
        return chance(nullChance) ? null : value();
    }

    private double uniform(double bound) {
        return (2 * random.nextDouble() - 1) * bound;
    }
}
