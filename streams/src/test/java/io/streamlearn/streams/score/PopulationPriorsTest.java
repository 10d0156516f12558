package io.streamlearn.streams.score;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Population;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.state.InMemoryModelStore;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The population prior's entries (issue #17: compact contributions, version 1 still read). */
class PopulationPriorsTest {

    private static final int D = 8;
    private static final String MODEL = "kalman";

    private static ModelState learned(Learner learner, long seed, int events) {
        SplittableRandom r = new SplittableRandom(seed);
        ModelState s = learner.newState();
        double[] x = new double[D];
        for (int e = 0; e < events; e++) {
            double y = 0.5;
            for (int j = 0; j < D; j++) {
                x[j] = r.nextGaussian() * (j + 1);
                y += x[j] * (0.1 * j - 0.3);
            }
            learner.learn(s, x, 1000L * e, y + 0.1 * r.nextGaussian());
        }
        return s;
    }

    /** What the learner contributes, as the version 1 entry of the code before issue #17 stored it. */
    private static byte[] version1(PriorAware pa, long fp, ModelState s) {
        int l = pa.contributionLength();
        double[] v = new double[l];
        double[] w = new double[Population.packedSize(l)];
        double noise = pa.contribute(s, v, w);
        ByteBuffer b = ByteBuffer.allocate(14 + 8 * (l + w.length + 1));
        b.put((byte) 1).putLong(fp).putInt(l).put((byte) 1);
        for (double x : v) {
            b.putDouble(x);
        }
        for (double x : w) {
            b.putDouble(x);
        }
        b.putDouble(noise);
        return b.array();
    }

    @Test
    void shouldStoreTheDefaultKalmansContributionCompactlyAndDecodeExactlyWhatWasAdded() {
        Learner learner = Learners.create(MODEL, D);
        PriorAware pa = (PriorAware) learner;
        PopulationPriors priors = new PopulationPriors(pa, learner.fingerprint());
        InMemoryModelStore store = new InMemoryModelStore();
        ModelState s = learned(learner, 1, 300);
        priors.contribute(store, "k", MODEL, s);

        byte[] entry = store.get("k", PopulationPriors.CONTRIBUTION + MODEL);
        int l = pa.contributionLength();
        assertEquals(2 * D + 1, l, "the standardized bank: d + 1 weights and d squared scales");
        assertEquals(2, entry[0], "version 2");
        // header 1 + 8 + 1 + 1 + 1, then 17 vector values, the 9 x 9 block of the weights (45), noise
        assertEquals(12 + 4 * (l + Population.packedSize(D + 1) + 1), entry.length);

        // what the entry decodes to is what the learner contributes, rounded to float32, bit for bit
        double[] v = new double[l];
        double[] w = new double[Population.packedSize(l)];
        double noise = PopulationPriors.round(v, w, pa.contribute(s, v, w));
        double[] dv = new double[l];
        double[] dw = new double[w.length];
        Arrays.fill(dw, 7.0);
        double[] dn = new double[1];
        assertTrue(PopulationPriors.readContribution(entry, learner.fingerprint(), l, true, dv, dw, dn));
        assertArrayEquals(v, dv, 0.0);
        assertArrayEquals(w, dw, 0.0);
        assertEquals(Double.doubleToRawLongBits(noise), Double.doubleToRawLongBits(dn[0]));
        assertFalse(PopulationPriors.readContribution(entry, learner.fingerprint() + 1, l, true, dv, dw, dn),
                "another learner's entry is ignored");

        // the population holds those values: a one-key population's mean is the contribution itself
        Population pop = priors.population(store, MODEL);
        assertEquals(1, pop.keys());
        assertArrayEquals(v, Arrays.copyOfRange(pop.values(), 3, 3 + l), 0.0);
    }

    @Test
    void shouldRemoveCompactContributionsExactly() {
        Learner learner = Learners.create(MODEL, D);
        PopulationPriors priors = new PopulationPriors((PriorAware) learner, learner.fingerprint());
        InMemoryModelStore store = new InMemoryModelStore();
        ModelState a = learned(learner, 2, 50);
        priors.contribute(store, "a", MODEL, a);
        double[] alone = priors.population(store, MODEL).values().clone();
        priors.contribute(store, "b", MODEL, learned(learner, 3, 80));
        priors.contribute(store, "c", MODEL, learned(learner, 4, 20));
        assertEquals(3, priors.population(store, MODEL).keys());
        assertTrue(PopulationPriors.forget(store, "c", MODEL));
        assertTrue(PopulationPriors.forget(store, "b", MODEL));
        Population back = priors.population(store, MODEL);
        assertEquals(1, back.keys());
        assertArrayEquals(alone, back.values(), 1e-12 * Math.abs(alone[3]) + 1e-15,
                "Welford's inverse gives back the one-key population");
        assertTrue(PopulationPriors.forget(store, "a", MODEL));
        assertTrue(Arrays.stream(priors.population(store, MODEL).values()).allMatch(x -> x == 0.0),
                "an emptied population is exact zeros");
    }

    @Test
    void shouldReadAndReplaceAVersionOneContribution() {
        Learner learner = Learners.create(MODEL, D);
        PriorAware pa = (PriorAware) learner;
        long fp = learner.fingerprint();
        PopulationPriors priors = new PopulationPriors(pa, fp);
        InMemoryModelStore store = new InMemoryModelStore();
        ModelState old = learned(learner, 5, 40);
        // a store written before issue #17: the unrounded contribution in doubles, and its population
        byte[] v1 = version1(pa, fp, old);
        int l = pa.contributionLength();
        double[] v = new double[l];
        double[] w = new double[Population.packedSize(l)];
        double noise = pa.contribute(old, v, w);
        Population pop = new Population(l, true);
        pop.add(v, w, noise);
        ByteBuffer pb = ByteBuffer.allocate(14 + 8 * pop.values().length);
        pb.put((byte) 1).putLong(fp).putInt(l).put((byte) 1);
        for (double x : pop.values()) {
            pb.putDouble(x);
        }
        store.put("\u0000population", MODEL, pb.array());
        store.put("old", PopulationPriors.CONTRIBUTION + MODEL, v1);
        assertEquals(1, priors.population(store, MODEL).keys(), "a version 1 population decodes");

        // the key's next contribution takes the old one out and writes version 2
        priors.contribute(store, "old", MODEL, learned(learner, 6, 60));
        assertEquals(1, priors.population(store, MODEL).keys());
        assertEquals(2, store.get("old", PopulationPriors.CONTRIBUTION + MODEL)[0]);

        // forgetting a key whose entry is still version 1 empties the population exactly
        InMemoryModelStore other = new InMemoryModelStore();
        other.put("\u0000population", MODEL, pb.array());
        other.put("old", PopulationPriors.CONTRIBUTION + MODEL, v1);
        assertTrue(PopulationPriors.forget(other, "old", MODEL));
        assertEquals(0, priors.population(other, MODEL).keys());
        assertTrue(Arrays.stream(priors.population(other, MODEL).values()).allMatch(x -> x == 0.0));
    }

    @Test
    void shouldWriteVersionOneWhenAValueIsBeyondTheFloat32Range() {
        double[] v = {1.0, 1e60, 0.25};
        double[] w = new double[Population.packedSize(3)];
        w[0] = 2.0;
        double noise = PopulationPriors.round(v, w, 0.5);
        assertEquals(1e60, v[1], 0.0, "beyond the float32 range: kept");
        byte[] entry = PopulationPriors.encodeContribution(42L, v, w, noise);
        assertEquals(1, entry[0]);
        double[] dv = new double[3];
        double[] dw = new double[w.length];
        double[] dn = new double[1];
        assertTrue(PopulationPriors.readContribution(entry, 42L, 3, true, dv, dw, dn));
        assertArrayEquals(v, dv, 0.0);
        assertArrayEquals(w, dw, 0.0);
        assertEquals(0.5, dn[0], 0.0);

        double[] small = {1.0, 3.0, 0.25};
        byte[] compact = PopulationPriors.encodeContribution(42L, small, w, Double.NaN);
        assertEquals(2, compact[0]);
        assertEquals(12 + 4 * (3 + 1 + 1), compact.length, "k = 1: only w[0] is not zero");
        assertTrue(PopulationPriors.readContribution(compact, 42L, 3, true, dv, dw, dn));
        assertArrayEquals(small, dv, 0.0);
        assertArrayEquals(w, dw, 0.0);
        assertTrue(Double.isNaN(dn[0]), "no noise variance stays NaN");
        assertFalse(PopulationPriors.readContribution(Arrays.copyOf(compact, compact.length - 1), 42L, 3, true, dv, dw, dn),
                "a truncated entry is refused");
    }

    @Test
    void shouldFindTheSmallestNonZeroBlock() {
        int l = 4;
        double[] w = new double[Population.packedSize(l)];
        assertEquals(0, PopulationPriors.block(w, l));
        w[1] = 1.0; // (0, 1)
        assertEquals(2, PopulationPriors.block(w, l));
        w[Population.packedSize(l) - 1] = -0.0; // (3, 3): a negative zero is kept
        assertEquals(4, PopulationPriors.block(w, l));
    }
}
