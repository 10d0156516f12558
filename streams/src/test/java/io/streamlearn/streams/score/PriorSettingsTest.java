package io.streamlearn.streams.score;

import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PriorSettingsTest {

    @Test
    void shouldContributeAtPowersOfTwoThenEveryPeriod() {
        PriorSettings s = new PriorSettings(true, 20, 64);
        List<Long> points = new ArrayList<>();
        for (long u = 0; u <= 300; u++) {
            if (s.contributesAt(u)) {
                points.add(u);
            }
        }
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 192L, 256L), points);
        PriorSettings odd = new PriorSettings(true, 20, 10);
        assertTrue(odd.contributesAt(10) && odd.contributesAt(8) && odd.contributesAt(20) && !odd.contributesAt(16));
    }

    @Test
    void shouldLetASpecOverrideTheSettingWithoutChangingTheLearner() {
        assertTrue(ScoringStep.population("kalman", PriorSettings.DEFAULT));
        assertFalse(ScoringStep.population("kalman:coldstart=none", PriorSettings.DEFAULT));
        assertTrue(ScoringStep.population("lags:p=2+sgd:coldstart=population", PriorSettings.NONE));
        assertFalse(ScoringStep.population("sgd:coldstart=default", PriorSettings.NONE));
        assertEquals(Learners.create("kalman", 3).fingerprint(), Learners.create("kalman:coldstart=none", 3).fingerprint(),
                "states stay compatible when the cold start changes");
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:coldstart=maybe", 3));
        assertThrows(IllegalArgumentException.class, () -> PriorSettings.parseMode("sometimes"));
        assertThrows(IllegalArgumentException.class, () -> new PriorSettings(true, 0, 64));
    }

    @Test
    void shouldKeepNoPopulationForAModelWhoseSpecSaysNone() {
        FeatureSpace space = FeatureSpace.ordered(List.of("a"));
        ScoringStep step = new ScoringStep(space, List.of("kalman", "sgd:coldstart=none"), new PriorSettings(true, 1, 64));
        InMemoryModelStore store = new InMemoryModelStore();
        ScoringStep.Sink none = (model, champion, version, mean, stddev) -> { };
        step.score("k1", 1L, Map.of("a", 1.0), 2.0, store, none);
        assertNotNull(store.get("\u0000population", "kalman"));
        assertNull(store.get("\u0000population", "sgd:coldstart=none"));
        assertNotNull(store.get("k1", PopulationPriors.CONTRIBUTION + "kalman"));
        double[] first = new double[2];
        step.score("k2", 2L, Map.of("a", 1.0), Double.NaN, store,
                (model, champion, version, mean, stddev) -> first[champion ? 0 : 1] = mean);
        assertTrue(first[0] != 0.0, "kalman starts k2 from the one-key population (min-keys 1)");
        assertEquals(0.0, first[1], 0.0, "sgd:coldstart=none starts from zero weights");
        assertEquals(1, step.counters().priorStarts());
    }
}
