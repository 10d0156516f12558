package io.streamlearn.streams.score;

import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Population;
import io.streamlearn.learn.Prior;
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
 * <p>Entry bytes: {@code [version = 1][learner fingerprint (8)][L (4, big-endian)][flags (1): bit 0 =
 * covariance][doubles, IEEE 754 big-endian]}; a population holds {@link Population#values()}, a
 * contribution {@code [vector (L), posterior covariance (L(L+1)/2, only with the flag), noise]}.
 * An entry whose fingerprint is another learner's (the model's SPEC or dimension changed) is ignored.
 *
 * <p>Cost: a key's contribution reads and writes two small entries when its update count reaches a
 * contribution point ({@link PriorSettings#contributesAt}); a new key reads one. At d = 8 the kalman
 * bank's population ({@code kalman:scale=none}, L = 9) is 816 bytes and a contribution 448 bytes; the
 * standardized default adds the d squared feature scales to the vector (L = 17, their covariance
 * kept as zeros): about 2.6 KB and 1.4 KB. Not thread-safe (task thread only).
 */
public final class PopulationPriors {

    /** Store-key prefix of a task's population entries (followed by the model name). */
    public static final String POPULATION = "\u0000population\u0000";
    /** Model-name prefix of a key's contribution entry: {@code storeKey(key, CONTRIBUTION + model)}. */
    public static final String CONTRIBUTION = "\u0000prior\u0000";
    private static final byte VERSION = 1;
    private static final int HEADER = 1 + 8 + 4 + 1;

    private final PriorAware learner;
    private final long fingerprint;
    private final int length;
    private final boolean covariance;
    private final int packed;
    private final double[] vector;
    private final double[] within;
    private final double[] oldVector;
    private final double[] oldWithin;

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
     * {@code state} contributes now.
     */
    public void contribute(ModelStore store, String key, String model, io.streamlearn.learn.ModelState state) {
        double noise = learner.contribute(state, vector, within);
        Population pop = population(store, model);
        String slot = CONTRIBUTION + model;
        byte[] old = store.get(key, slot);
        if (old != null && readContribution(old, fingerprint, length, covariance, oldVector, oldWithin)) {
            pop.remove(oldVector, oldWithin, noiseOf(old, length + packed));
        }
        if (pop.add(vector, within, noise)) {
            store.put(key, slot, encodeContribution(fingerprint, vector, within, noise));
        } else if (old != null) {
            store.delete(key, slot);
        }
        store.put(POPULATION_KEY, model, encode(fingerprint, length, covariance, pop.values()));
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
        if (p == null || c.length < HEADER || p.length < HEADER) {
            return false;
        }
        ByteBuffer cb = ByteBuffer.wrap(c);
        long fp = cb.getLong(1);
        int l = cb.getInt(9);
        boolean cov = (c[13] & 1) != 0;
        Population pop = read(p, fp, l, cov);
        int t = cov ? Population.packedSize(l) : 0;
        double[] v = new double[l];
        double[] w = cov ? new double[t] : null;
        if (pop == null || !readContribution(c, fp, l, cov, v, w)) {
            return false;
        }
        pop.remove(v, w, noiseOf(c, l + t));
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

    private static boolean readContribution(byte[] bytes, long fp, int l, boolean cov, double[] v, double[] w) {
        int t = cov ? Population.packedSize(l) : 0;
        if (bytes.length != HEADER + 8L * (l + t + 1) || !header(bytes, fp, l, cov)) {
            return false;
        }
        java.nio.DoubleBuffer d = ByteBuffer.wrap(bytes, HEADER, bytes.length - HEADER).asDoubleBuffer();
        d.get(v, 0, l);
        if (cov) {
            d.get(w, 0, t);
        }
        return true;
    }

    private static double noiseOf(byte[] contribution, int at) {
        return ByteBuffer.wrap(contribution).getDouble(HEADER + 8 * at);
    }

    private static byte[] encode(long fp, int l, boolean cov, double[] values) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 8 * values.length);
        b.put(VERSION).putLong(fp).putInt(l).put((byte) (cov ? 1 : 0));
        b.asDoubleBuffer().put(values);
        return b.array();
    }

    private static byte[] encodeContribution(long fp, double[] v, double[] w, double noise) {
        int t = w == null ? 0 : w.length;
        double[] all = Arrays.copyOf(v, v.length + t + 1);
        if (w != null) {
            System.arraycopy(w, 0, all, v.length, t);
        }
        all[v.length + t] = noise;
        return encode(fp, v.length, w != null, all);
    }
}
