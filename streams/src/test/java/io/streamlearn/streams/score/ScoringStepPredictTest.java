package io.streamlearn.streams.score;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.ModelStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ScoringStep#predict}: the prediction {@link ScoringStep#score} would publish, and never a write. */
class ScoringStepPredictTest {

    private static final List<String> MODELS = List.of("sgd:step=adagrad,lr=0.5", "kalman:q=1e-4,r=1,p0=1");
    private final FeatureSpace space = FeatureSpace.ordered(List.of("a", "b"));

    /** A store that refuses every write, over the entries of another. */
    private static ModelStore readOnly(InMemoryModelStore store) {
        return new ModelStore() {
            @Override
            public byte[] get(String key, String model) {
                return store.get(key, model);
            }

            @Override
            public void put(String key, String model, byte[] state) {
                throw new AssertionError("predict wrote " + key + "/" + model);
            }

            @Override
            public void delete(String key, String model) {
                throw new AssertionError("predict deleted " + key + "/" + model);
            }
        };
    }

    @Test
    void shouldPredictWhatScoreThenPublishesWithoutWriting() {
        ScoringStep live = new ScoringStep(space, MODELS);
        InMemoryModelStore store = new InMemoryModelStore();
        for (int t = 0; t < 40; t++) {
            live.score("k", 1000L + t, Map.of("a", 0.1 * (t % 7), "b", 1.0 - 0.05 * t), 2.0 + 0.3 * (t % 3), store,
                    (model, champion, version, mean, stddev) -> { });
        }
        Map<String, byte[]> before = new java.util.HashMap<>();
        store.entries().forEach((k, v) -> before.put(k, v.clone()));

        List<double[]> predicted = new ArrayList<>();
        List<Boolean> fresh = new ArrayList<>();
        ScoringStep reader = new ScoringStep(space, MODELS);   // the HTTP side has steps of its own
        int unknown = reader.predict("k", 5000L, Map.of("a", 0.35, "b", -1.5, "c", 9.0), readOnly(store),
                (model, champion, version, mean, stddev, isFresh) -> {
                    predicted.add(new double[] {version, mean});
                    fresh.add(isFresh);
                });
        assertEquals(1, unknown, "feature c is not in the space");
        assertEquals(List.of(false, false), fresh);
        store.entries().forEach((k, v) -> assertArrayEquals(before.get(k), v, "state of " + k + " unchanged"));

        List<double[]> scored = new ArrayList<>();
        live.score("k", 5000L, Map.of("a", 0.35, "b", -1.5), Double.NaN, store,
                (model, champion, version, mean, stddev) -> scored.add(new double[] {version, mean}));
        assertEquals(MODELS.size(), scored.size());
        for (int i = 0; i < scored.size(); i++) {
            assertArrayEquals(scored.get(i), predicted.get(i), 0.0, "model " + MODELS.get(i) + ": version and prediction");
        }
    }

    @Test
    void shouldPredictWithAFreshStateForAnUnknownKey() {
        ScoringStep step = new ScoringStep(space, MODELS);
        List<Boolean> fresh = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        step.predict("nobody", null, Map.of("a", 1.0), readOnly(new InMemoryModelStore()),
                (model, champion, version, mean, stddev, isFresh) -> {
                    fresh.add(isFresh);
                    versions.add(version);
                    assertTrue(Double.isFinite(mean), model);
                });
        assertEquals(List.of(true, true), fresh);
        assertEquals(List.of(0L, 0L), versions);
        assertFalse(fresh.isEmpty());
    }
}
