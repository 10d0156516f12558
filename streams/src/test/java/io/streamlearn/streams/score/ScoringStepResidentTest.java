package io.streamlearn.streams.score;

import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.ModelStore;
import io.streamlearn.state.ResidentModelStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step over a {@link ResidentModelStore} (states kept decoded) against the step over bytes
 * ({@link InMemoryModelStore}, as the live topology keeps them): the same predictions bit for bit, the
 * same counters and the same final bytes, with keys beyond the resident bound kept as bytes, unlabelled
 * events, labels learned later, a population prior in use, calibrated models, a model that observes
 * unlabelled events, and updates that are not finite and are rolled back.
 */
class ScoringStepResidentTest {

    private static final List<String> MODELS = List.of("kalman", "sgd", "lags:p=2+sgd", "mean", "last",
            "sgd:step=constant,lr=1e300,coldstart=none");
    private static final PriorSettings PRIOR = new PriorSettings(true, 3, 16);

    @Test
    void shouldScoreResidentStatesAsTheirBytes() {
        Run bytes = run(new InMemoryModelStore(), null);
        ScoringStep probe = step();
        Run all = run(null, probe.residentStore(1_000_000));
        Run bounded = run(null, probe.residentStore(5));
        for (Run r : List.of(all, bounded)) {
            assertEquals(bytes.predictions.size(), r.predictions.size());
            for (int i = 0; i < bytes.predictions.size(); i++) {
                assertArrayEquals(bytes.predictions.get(i), r.predictions.get(i), "prediction " + i);
            }
            assertEquals(bytes.counters, r.counters);
            assertEquals(bytes.entries.keySet(), r.entries.keySet());
            bytes.entries.forEach((k, v) -> assertArrayEquals(v, r.entries.get(k), k));
        }
        assertEquals(5, bounded.residentKeys, "the bound");
        assertEquals(20, all.residentKeys);
        assertTrue(bytes.counters.get(0) > 20 * MODELS.size(), "fresh states of unlabelled events: " + bytes.counters);
        assertTrue(bytes.counters.get(1) > 0, "prior starts: " + bytes.counters);
    }

    @Test
    void shouldReadAResidentStateWithoutChangingIt() {
        ScoringStep step = step();
        ResidentModelStore store = step.residentStore(10);
        Map<String, Double> f = Map.of("a", 1.0, "b", 2.0);
        step.score("k", 1000L, f, 3.0, store, (model, champion, version, mean, stddev) -> { });
        byte[] before = store.entries().get(ModelStore.storeKey("k", "kalman"));
        List<Boolean> fresh = new ArrayList<>();
        step.predict("k", 5000L, f, store, (model, champion, version, mean, stddev, isFresh) -> fresh.add(isFresh));
        step.predict("other", 5000L, f, store, (model, champion, version, mean, stddev, isFresh) -> fresh.add(isFresh));
        assertArrayEquals(before, store.entries().get(ModelStore.storeKey("k", "kalman")));
        assertEquals(MODELS.size(), fresh.stream().filter(b -> !b).count());
        assertNull(store.slots("other", false), "a read creates no resident key");
    }

    private static ScoringStep step() {
        return new ScoringStep(FeatureSpace.ordered(List.of("a", "b", "c")), MODELS, PRIOR);
    }

    private record Run(List<double[]> predictions, List<Long> counters, Map<String, byte[]> entries, int residentKeys) {
    }

    /** 20 keys, 3,000 events: a fifth unlabelled, a fifth labelled later, the rest labelled at once. */
    private static Run run(InMemoryModelStore bytes, ResidentModelStore resident) {
        ModelStore store = bytes != null ? bytes : resident;
        ScoringStep step = step();
        List<double[]> out = new ArrayList<>();
        double[] row = new double[4 * MODELS.size()];
        int[] c = new int[1];
        ScoringStep.Sink sink = new ScoringStep.Sink() {
            @Override
            public void accept(String model, boolean champion, long version, double mean, double stddev) {
                throw new AssertionError();
            }

            @Override
            public void accept(String model, boolean champion, long version, Prediction p) {
                int i = 4 * c[0]++;
                row[i] = p.mean();
                row[i + 1] = p.stddev();
                row[i + 2] = p.lower95();
                row[i + 3] = version;
            }
        };
        SplittableRandom r = new SplittableRandom(7);
        List<Object[]> later = new ArrayList<>();
        for (int t = 0; t < 3000; t++) {
            String key = "key-" + r.nextInt(20);
            long time = 1_000_000L + 1000L * t;
            Map<String, Double> f = new HashMap<>();
            f.put("a", r.nextGaussian());
            f.put("b", 100 + 10 * r.nextGaussian());
            if (r.nextInt(3) > 0) {
                f.put("c", r.nextDouble());
            }
            double label = 2 * f.get("a") + 0.1 * f.get("b") + r.nextGaussian();
            if (t % 97 == 0) {   // absurd but accepted magnitudes: the learners guard against them
                f.put("a", 1e150);
                label = -1e150;
            }
            int kind = r.nextInt(5);
            c[0] = 0;
            step.score(key, time, f, kind <= 2 ? label : Double.NaN, store, sink);
            out.add(row.clone());
            if (kind == 3) {
                later.add(new Object[]{key, time, f, label});
            }
            if (later.size() > 10) {
                Object[] l = later.remove(0);
                c[0] = 0;
                @SuppressWarnings("unchecked")
                Map<String, Double> lf = (Map<String, Double>) l[2];
                step.learn((String) l[0], (Long) l[1], lf, (Double) l[3], store, sink);
                out.add(Arrays.copyOf(row, row.length));
            }
        }
        ScoringStep.Counters k = step.counters();
        return new Run(out, List.of(k.freshStates(), k.priorStarts(), k.discardedUpdates(), k.replacedStates()),
                bytes != null ? bytes.entries() : resident.entries(), resident == null ? 0 : resident.residentKeys());
    }
}
