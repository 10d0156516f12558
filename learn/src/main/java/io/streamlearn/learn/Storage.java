package io.streamlearn.learn;

import java.util.Arrays;

/**
 * How each value of a learner's state is kept between events, so that a state codec can store it in
 * fewer bytes than a double without changing what the learner computes (issue #17). Three kinds:
 * <ul>
 *   <li>{@link #DOUBLE}: any double (8 bytes);</li>
 *   <li>{@link #FLOAT}: a double the learner keeps equal to a float32 after every change it makes
 *       ({@link #round}); stored in 4 bytes, so decoding gives back the very double the learner
 *       holds;</li>
 *   <li>{@link #COUNT}: a double the learner keeps integral (an event count, -1 as a flag); stored as a
 *       varint.</li>
 * </ul>
 * The learner computes in float64 and rounds its {@code FLOAT} values at the end of every method that
 * changes the state ({@code newState}, {@code learn}, {@code startFrom}, {@code inflate}, ...). So a
 * state in memory is always exactly what its compact bytes decode to, and a backtest that keeps its
 * states in memory predicts bit for bit what the live topology predicts from stored bytes.
 *
 * <p>A {@code FLOAT} value outside the float32 range (beyond about 3.4e38 in magnitude) is left as it
 * is by {@link #round}; a state holding one does not {@link #fits fit} the compact encoding, and codecs
 * then store it with every value in 8 bytes. Immutable and thread-safe.
 *
 * <pre>{@code
 * Storage s = Storage.builder().counts(1).floats(54).doubles(1).build();
 * s.round(state.values(), 0);      // after the learner's update
 * }</pre>
 */
public final class Storage {

    /** Kind of a value stored in 8 bytes. */
    public static final byte DOUBLE = 0;
    /** Kind of a value kept equal to a float32. */
    public static final byte FLOAT = 1;
    /** Kind of a value kept integral. */
    public static final byte COUNT = 2;

    private final byte[] kinds;
    private final int[] floatRuns;
    /** Every run of equal kinds: start, end (exclusive), kind; in state order. */
    private final int[] runs;
    private final boolean compact;

    private Storage(byte[] kinds) {
        this.kinds = kinds;
        int count = 0;
        for (int i = 0; i < kinds.length; i++) {
            if (i == 0 || kinds[i] != kinds[i - 1]) {
                count++;
            }
        }
        this.runs = new int[3 * count];
        for (int i = 0, r = 0; i < kinds.length; ) {
            int end = i;
            while (end < kinds.length && kinds[end] == kinds[i]) {
                end++;
            }
            runs[r++] = i;
            runs[r++] = end;
            runs[r++] = kinds[i];
            i = end;
        }
        int runs = 0;
        boolean c = false;
        for (int i = 0; i < kinds.length; i++) {
            if (kinds[i] != DOUBLE) {
                c = true;
            }
            if (kinds[i] == FLOAT && (i == 0 || kinds[i - 1] != FLOAT)) {
                runs++;
            }
        }
        this.compact = c;
        this.floatRuns = new int[2 * runs];
        int r = 0;
        for (int i = 0; i < kinds.length; i++) {
            if (kinds[i] == FLOAT && (i == 0 || kinds[i - 1] != FLOAT)) {
                int end = i;
                while (end < kinds.length && kinds[end] == FLOAT) {
                    end++;
                }
                floatRuns[r++] = i;
                floatRuns[r++] = end;
            }
        }
    }

    /** {@code n} doubles: the storage of a learner that declares none. */
    public static Storage doubles(int n) {
        return new Storage(new byte[n]);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Number of values described. */
    public int length() {
        return kinds.length;
    }

    /** The kind of value {@code i}: {@link #DOUBLE}, {@link #FLOAT} or {@link #COUNT}. */
    public byte kind(int i) {
        return kinds[i];
    }

    /** Number of runs of equal kinds. */
    public int runs() {
        return runs.length / 3;
    }

    /** Where run {@code r} starts (an index into the state's values). */
    public int runStart(int r) {
        return runs[3 * r];
    }

    /** Where run {@code r} ends, exclusive. */
    public int runEnd(int r) {
        return runs[3 * r + 1];
    }

    /** The kind of run {@code r}. */
    public byte runKind(int r) {
        return (byte) runs[3 * r + 2];
    }

    /** Whether any value is stored in fewer than 8 bytes. */
    public boolean compact() {
        return compact;
    }

    /** Whether any value is a {@link #FLOAT}. */
    public boolean hasFloats() {
        return floatRuns.length > 0;
    }

    /**
     * Rounds every {@link #FLOAT} value of the state that starts at {@code v[from]} to the nearest
     * float32, except values beyond the float32 range (and NaN), which stay as they are. Idempotent;
     * allocates nothing.
     */
    public void round(double[] v, int from) {
        for (int r = 0; r < floatRuns.length; r += 2) {
            for (int i = from + floatRuns[r], end = from + floatRuns[r + 1]; i < end; i++) {
                v[i] = toFloat(v[i]);
            }
        }
    }

    /** The nearest float32 of {@code x}, or {@code x} itself when it is beyond the float32 range or NaN. */
    public static double toFloat(double x) {
        return Math.abs(x) <= Float.MAX_VALUE ? (double) (float) x : x;
    }

    /**
     * Whether every {@link #FLOAT} value of the state that starts at {@code v[from]} equals a float32
     * bit for bit (so -0.0 stays -0.0, and NaN never fits), so the state can be stored compactly. A
     * {@code COUNT} that is not an integer does not matter here: codecs store it in full with a marker.
     */
    public boolean fits(double[] v, int from) {
        for (int r = 0; r < floatRuns.length; r += 2) {
            for (int i = from + floatRuns[r], end = from + floatRuns[r + 1]; i < end; i++) {
                double x = v[i];
                if (Double.doubleToRawLongBits((double) (float) x) != Double.doubleToRawLongBits(x)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** This storage followed by {@code next}'s. */
    public Storage then(Storage next) {
        byte[] k = Arrays.copyOf(kinds, kinds.length + next.kinds.length);
        System.arraycopy(next.kinds, 0, k, kinds.length, next.kinds.length);
        return new Storage(k);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Storage s && Arrays.equals(kinds, s.kinds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kinds);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Storage[");
        int i = 0;
        while (i < kinds.length) {
            int j = i;
            while (j < kinds.length && kinds[j] == kinds[i]) {
                j++;
            }
            b.append(i == 0 ? "" : ", ").append(j - i).append(' ')
                    .append(kinds[i] == DOUBLE ? "double" : kinds[i] == FLOAT ? "float" : "count");
            i = j;
        }
        return b.append(']').toString();
    }

    /** Appends runs of kinds in state order. */
    public static final class Builder {
        private byte[] kinds = new byte[16];
        private int n;

        private Builder add(byte kind, int count) {
            if (count < 0) {
                throw new IllegalArgumentException("negative count " + count);
            }
            if (n + count > kinds.length) {
                kinds = Arrays.copyOf(kinds, Math.max(2 * kinds.length, n + count));
            }
            Arrays.fill(kinds, n, n + count, kind);
            n += count;
            return this;
        }

        public Builder doubles(int count) {
            return add(DOUBLE, count);
        }

        public Builder floats(int count) {
            return add(FLOAT, count);
        }

        public Builder counts(int count) {
            return add(COUNT, count);
        }

        /** Appends every kind of {@code s}. */
        public Builder then(Storage s) {
            if (n + s.kinds.length > kinds.length) {
                kinds = Arrays.copyOf(kinds, n + s.kinds.length);
            }
            System.arraycopy(s.kinds, 0, kinds, n, s.kinds.length);
            n += s.kinds.length;
            return this;
        }

        public Storage build() {
            return new Storage(Arrays.copyOf(kinds, n));
        }
    }
}
