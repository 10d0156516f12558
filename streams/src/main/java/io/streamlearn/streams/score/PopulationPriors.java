package io.streamlearn.streams.score;

import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Population;
import io.streamlearn.learn.Prior;
import io.streamlearn.learn.Storage;
import io.streamlearn.state.ModelStore;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The population prior of one task (issue #14): the entries it keeps in the task's own models store,
 * beside the keys' states, and the two operations on them.
 * <ul>
 *   <li>{@code U+0000 "population" U+0000 <model>}: the task's {@link Population} of that model, one
 *       entry per model (no entity key can start with U+0000, so none can take this key);</li>
 *   <li>{@code <key> U+0000 U+0000 "prior" U+0000 <model>}: what the key contributes now (its weights,
 *       posterior covariance and noise variance), so that the next contribution or a forget can take
 *       it out again. Its model part starts with U+0000, which no model name does.</li>
 * </ul>
 * Both are written through the store like any state, so they are changelogged and part of the task's
 * exactly-once transaction, restored with the task, and follow the partition when a task moves: the
 * population needs no coordination between instances. Everything happens in the task's event order,
 * so a backtest that gives each key the partition Kafka's default partitioner gives it reproduces the
 * populations, and the predictions, bit for bit.
 *
 * <p><b>Forgetting.</b> A key forgotten ({@code DELETE /models/{key}}, a {@code forget:<key>} control
 * record) or evicted by the TTL takes its contribution out of its task's population in the same
 * transaction that deletes its state ({@link #forget}), so from the next event on no new key's prior
 * includes it. That happens when the task carries the removal out: a forget request within about a
 * second of reaching the control store (the forget punctuation runs every second), a TTL eviction at
 * the first label sweep ({@code streamlearn.label.sweep-interval}, default 1 min) after the key has
 * been idle longer than the TTL in event time. A key that stays alive but changes keeps its latest
 * contribution until its next contribution point.
 *
 * <p>Entry bytes. A population: {@code [version = 1][learner fingerprint (8)][L (4, big-endian)][flags
 * (1): bit 0 = covariance][doubles, IEEE 754 big-endian]} holding {@link Population#values()} (one per
 * task and model, so its size does not grow with the keys). A contribution (one per key and model,
 * issue #17): the key's {@code [vector (L), posterior covariance (packed, only with the flag), noise]},
 * rounded to float32 before it enters the population ({@link #round}) and stored as
 * {@code [version = 2][fingerprint (8)][L (varint)][flags (1)][k (varint, only with the flag)]
 * [vector: L float32][the covariance's top-left k x k block, packed: k(k+1)/2 float32][noise: float32]},
 * all big-endian, where k is the smallest block outside of which the covariance is +0.0 (the
 * standardized bank's feature scales have none). Decoding gives back the very doubles that were added,
 * so a removal is exact. A contribution with a value beyond the float32 range is stored as version 1
 * (doubles: {@code [vector, covariance, noise]}), as every contribution was before; version 1
 * contributions in existing stores are read and replaced at the key's next contribution point.
 * An entry whose fingerprint is another learner's (the model's SPEC or dimension changed) is ignored.
 *
 * <p>Cost: a key's contribution reads and writes two small entries when its update count reaches a
 * contribution point ({@link PriorSettings#contributesAt}); a new key reads one. At d = 8 the kalman
 * bank's population ({@code kalman:scale=none}, L = 9) is 816 bytes and a contribution 232 bytes (448
 * in version 1); the
 * standardized default adds the d squared feature scales to the vector (L = 17, their covariance
 * zero, so k = 9): about 2.6 KB and 264 bytes (1,382 in version 1). Not thread-safe (task thread only).
 */
public final class PopulationPriors {

    /** Store-key prefix of a task's population entries (followed by the model name). */
    public static final String POPULATION = "\u0000population\u0000";
    /** Model-name prefix of a key's contribution entry: {@code storeKey(key, CONTRIBUTION + model)}. */
    public static final String CONTRIBUTION = "\u0000prior\u0000";
    /** Entry version 1: every value a double (populations; contributions beyond the float32 range). */
    private static final byte VERSION = 1;
    /** Entry version 2: a compact contribution (issue #17). */
    private static final byte COMPACT = 2;
    private static final int HEADER = 1 + 8 + 4 + 1;
    /** Version, fingerprint, a one-byte length, flags. */
    private static final int COMPACT_HEADER_MIN = 1 + 8 + 1 + 1;
    /** Longest contribution accepted from an entry's own header. */
    private static final int MAX_LENGTH = 1 << 16;

    private final PriorAware learner;
    private final long fingerprint;
    private final int length;
    private final boolean covariance;
    private final int packed;
    private final double[] vector;
    private final double[] within;
    private final double[] oldVector;
    private final double[] oldWithin;
    private final double[] oldNoise = new double[1];

    /** @param fingerprint the learner's fingerprint ({@code Learner#fingerprint()}) */
    public PopulationPriors(PriorAware learner, long fingerprint) {
        this.learner = learner;
        this.fingerprint = fingerprint;
        this.length = learner.contributionLength();
        this.covariance = learner.contributesCovariance();
        this.packed = covariance ? Population.packedSize(length) : 0;
        this.vector = new double[length];
        this.within = covariance ? new double[packed] : null;
        this.oldVector = new double[length];
        this.oldWithin = covariance ? new double[packed] : null;
    }

    /** The store's entity-key slot of the population entries: {@code storeKey(POPULATION_KEY, model)}. */
    static final String POPULATION_KEY = "\u0000population";

    /**
     * The task's population of {@code model}, or an empty one when there is none or it belongs to
     * another learner.
     */
    public Population population(ModelStore store, String model) {
        Population p = read(store.get(POPULATION_KEY, model), fingerprint, length, covariance);
        return p == null ? new Population(length, covariance) : p;
    }

    /**
     * The prior of a new key of {@code model}: the task's population's, or null while fewer than
     * {@code minKeys} keys contribute.
     */
    public Prior prior(ModelStore store, String model, int minKeys) {
        Population p = read(store.get(POPULATION_KEY, model), fingerprint, length, covariance);
        return p == null || p.keys() < minKeys ? null : p.prior();
    }

    /**
     * Replaces {@code key}'s contribution to the task's population of {@code model} by what
     * {@code state} contributes now. The contribution is first rounded to float32 ({@link #round}), so
     * what enters the population is exactly what its compact entry decodes to, and a later removal
     * takes out the very values added.
     */
    public void contribute(ModelStore store, String key, String model, io.streamlearn.learn.ModelState state) {
        double noise = round(vector, within, learner.contribute(state, vector, within));
        Population pop = population(store, model);
        String slot = CONTRIBUTION + model;
        byte[] old = store.get(key, slot);
        if (old != null && readContribution(old, fingerprint, length, covariance, oldVector, oldWithin, oldNoise)) {
            pop.remove(oldVector, oldWithin, oldNoise[0]);
        }
        if (pop.add(vector, within, noise)) {
            store.put(key, slot, encodeContribution(fingerprint, vector, within, noise));
        } else if (old != null) {
            store.delete(key, slot);
        }
        store.put(POPULATION_KEY, model, encode(fingerprint, length, covariance, pop.values()));
    }

    /**
     * Rounds a contribution to float32 in place ({@link Storage#toFloat}: values beyond the float32
     * range stay as they are; their entry is then written with doubles).
     *
     * @return the rounded noise variance
     */
    static double round(double[] vector, double[] within, double noise) {
        for (int i = 0; i < vector.length; i++) {
            vector[i] = Storage.toFloat(vector[i]);
        }
        if (within != null) {
            for (int k = 0; k < within.length; k++) {
                within[k] = Storage.toFloat(within[k]);
            }
        }
        return Storage.toFloat(noise);
    }

    /**
     * Takes {@code key}'s contribution to {@code model} out of the task's population and deletes it;
     * does nothing when the key has none. Needs no learner: the entries describe themselves.
     *
     * @return whether a contribution was removed
     */
    public static boolean forget(ModelStore store, String key, String model) {
        String slot = CONTRIBUTION + model;
        byte[] c = store.get(key, slot);
        if (c == null) {
            return false;
        }
        store.delete(key, slot);
        byte[] p = store.get(POPULATION_KEY, model);
        if (p == null || p.length < HEADER || c.length < COMPACT_HEADER_MIN || (c[0] != VERSION && c[0] != COMPACT)) {
            return false;
        }
        long fp = ByteBuffer.wrap(c).getLong(1);
        int l;
        boolean cov;
        if (c[0] == VERSION) {
            if (c.length < HEADER) {
                return false;
            }
            l = ByteBuffer.wrap(c).getInt(9);
            cov = (c[13] & 1) != 0;
        } else {
            long lv = varint(c, 9);
            int at = varintEnd(c, 9);
            if (lv < 0 || lv > MAX_LENGTH || at < 0 || at >= c.length) {
                return false;
            }
            l = (int) lv;
            cov = (c[at] & 1) != 0;
        }
        Population pop = read(p, fp, l, cov);
        if (pop == null) {
            return false;
        }
        double[] v = new double[l];
        double[] w = cov ? new double[Population.packedSize(l)] : null;
        double[] noise = new double[1];
        if (!readContribution(c, fp, l, cov, v, w, noise)) {
            return false;
        }
        pop.remove(v, w, noise[0]);
        store.put(POPULATION_KEY, model, encode(fp, l, cov, pop.values()));
        return true;
    }

    /** The population stored under a population entry's bytes, without knowing its learner; null when unreadable. */
    public static Population decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER || bytes[0] != VERSION) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return read(bytes, b.getLong(1), b.getInt(9), (bytes[13] & 1) != 0);
    }

    /** Whether a store key is one of these entries (a population or a key's contribution). */
    public static boolean reserved(String storeKey) {
        return storeKey.startsWith("\u0000") || ModelStore.modelName(storeKey).startsWith("\u0000");
    }

    private static Population read(byte[] bytes, long fp, int l, boolean cov) {
        if (bytes == null || bytes.length != HEADER + 8L * Population.arrayLength(l, cov) || !header(bytes, fp, l, cov)) {
            return null;
        }
        double[] values = new double[Population.arrayLength(l, cov)];
        ByteBuffer.wrap(bytes, HEADER, bytes.length - HEADER).asDoubleBuffer().get(values);
        return Population.wrap(values, l, cov);
    }

    private static boolean header(byte[] bytes, long fp, int l, boolean cov) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return bytes[0] == VERSION && b.getLong(1) == fp && b.getInt(9) == l && ((bytes[13] & 1) != 0) == cov;
    }

    /**
     * Reads a contribution entry of either version into {@code v}, {@code w} and {@code noise[0]} (NaN
     * when the key has no noise variance).
     *
     * @return false (the arrays then hold nothing of use) when the entry is not one of this learner's
     */
    static boolean readContribution(byte[] bytes, long fp, int l, boolean cov, double[] v, double[] w, double[] noise) {
        int t = cov ? Population.packedSize(l) : 0;
        if (bytes.length >= HEADER && bytes[0] == VERSION) {
            if (bytes.length != HEADER + 8L * (l + t + 1) || !header(bytes, fp, l, cov)) {
                return false;
            }
            java.nio.DoubleBuffer d = ByteBuffer.wrap(bytes, HEADER, bytes.length - HEADER).asDoubleBuffer();
            d.get(v, 0, l);
            if (cov) {
                d.get(w, 0, t);
            }
            noise[0] = d.get();
            return true;
        }
        if (bytes.length < COMPACT_HEADER_MIN || bytes[0] != COMPACT || ByteBuffer.wrap(bytes).getLong(1) != fp
                || varint(bytes, 9) != l) {
            return false;
        }
        int at = varintEnd(bytes, 9);
        if (at < 0 || at >= bytes.length || ((bytes[at] & 1) != 0) != cov) {
            return false;
        }
        at++;
        int block = 0;
        if (cov) {
            long k = varint(bytes, at);
            at = varintEnd(bytes, at);
            if (k < 0 || k > l || at < 0) {
                return false;
            }
            block = (int) k;
        }
        if (bytes.length != at + 4L * (l + Population.packedSize(block) + 1)) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        for (int i = 0; i < l; i++, at += 4) {
            v[i] = b.getFloat(at);
        }
        if (cov) {
            java.util.Arrays.fill(w, 0, t, 0.0);
            for (int i = 0; i < block; i++) {
                int row = Population.packedSize(l) - Population.packedSize(l - i);
                for (int j = i; j < block; j++, at += 4) {
                    w[row + j - i] = b.getFloat(at);
                }
            }
        }
        noise[0] = b.getFloat(at);
        return true;
    }

    /**
     * Side of the smallest top-left block of a packed upper-triangle {@code l x l} matrix outside of
     * which every entry is +0.0 (the standardized bank's feature scales have no posterior covariance).
     */
    static int block(double[] w, int l) {
        int k = 0;
        int at = 0;
        for (int i = 0; i < l; i++) {
            for (int j = i; j < l; j++, at++) {
                if (j >= k && Double.doubleToRawLongBits(w[at]) != 0L) {
                    k = j + 1;
                }
            }
        }
        return k;
    }

    private static boolean float32(double x) {
        return Double.doubleToRawLongBits((double) (float) x) == Double.doubleToRawLongBits(x);
    }

    private static boolean float32(double[] a) {
        if (a != null) {
            for (double x : a) {
                if (!float32(x)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static byte[] encode(long fp, int l, boolean cov, double[] values) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 8 * values.length);
        b.put(VERSION).putLong(fp).putInt(l).put((byte) (cov ? 1 : 0));
        b.asDoubleBuffer().put(values);
        return b.array();
    }

    /**
     * A contribution entry: compact (version 2, float32 values, the covariance's non-zero block only)
     * when every value is a float32, else version 1 (doubles).
     */
    static byte[] encodeContribution(long fp, double[] v, double[] w, double noise) {
        int l = v.length;
        if (float32(v) && float32(w) && float32(noise)) {
            int k = w == null ? 0 : block(w, l);
            int size = 1 + 8 + varintSize(l) + 1 + (w == null ? 0 : varintSize(k))
                    + 4 * (l + Population.packedSize(k) + 1);
            ByteBuffer b = ByteBuffer.allocate(size);
            b.put(COMPACT).putLong(fp);
            putVarint(b, l);
            b.put((byte) (w == null ? 0 : 1));
            if (w != null) {
                putVarint(b, k);
            }
            for (double x : v) {
                b.putFloat((float) x);
            }
            for (int i = 0; i < k; i++) {
                int row = Population.packedSize(l) - Population.packedSize(l - i);
                for (int j = i; j < k; j++) {
                    b.putFloat((float) w[row + j - i]);
                }
            }
            b.putFloat((float) noise);
            return b.array();
        }
        int t = w == null ? 0 : w.length;
        double[] all = Arrays.copyOf(v, l + t + 1);
        if (w != null) {
            System.arraycopy(w, 0, all, l, t);
        }
        all[l + t] = noise;
        return encode(fp, l, w != null, all);
    }

    private static int varintSize(long x) {
        int n = 1;
        while ((x & ~0x7FL) != 0) {
            x >>>= 7;
            n++;
        }
        return n;
    }

    private static void putVarint(ByteBuffer b, long x) {
        while ((x & ~0x7FL) != 0) {
            b.put((byte) ((x & 0x7F) | 0x80));
            x >>>= 7;
        }
        b.put((byte) x);
    }

    /** The unsigned varint at {@code at}, or -1 when it runs past the end or beyond 5 bytes. */
    private static long varint(byte[] bytes, int at) {
        long x = 0;
        for (int shift = 0; shift < 35; shift += 7, at++) {
            if (at >= bytes.length) {
                return -1;
            }
            x |= (long) (bytes[at] & 0x7F) << shift;
            if ((bytes[at] & 0x80) == 0) {
                return x;
            }
        }
        return -1;
    }

    /** Where the varint at {@code at} ends, or -1. */
    private static int varintEnd(byte[] bytes, int at) {
        for (int i = 0; i < 5; i++, at++) {
            if (at >= bytes.length) {
                return -1;
            }
            if ((bytes[at] & 0x80) == 0) {
                return at + 1;
            }
        }
        return -1;
    }
}
