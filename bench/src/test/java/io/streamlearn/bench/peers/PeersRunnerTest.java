package io.streamlearn.bench.peers;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.streams.score.PopulationPriors;
import io.streamlearn.streams.score.ScoringStep;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class PeersRunnerTest {

    /** stateBytes is a key's state, not the task's population entry that sorts first in the store. */
    @Test
    void shouldMeasureTheKeysStatesAndContributionsApart() {
        ScoringStep step = new ScoringStep(FeatureSpace.ordered(List.of("a", "b")), List.of("kalman"));
        InMemoryModelStore store = new InMemoryModelStore();
        ScoringStep.Sink none = (model, champion, version, mean, stddev) -> { };
        for (int i = 0; i < 40; i++) {
            step.score("k" + (i % 4), 1_000L * i, Map.of("a", (double) i, "b", 1.0), 0.5 * i, store, none);
        }
        byte[] population = store.get("\u0000population", "kalman");
        assertNotNull(population, "the default prior keeps a population entry");
        int state = store.get("k1", "kalman").length;
        int contribution = store.get("k1", PopulationPriors.CONTRIBUTION + "kalman").length;
        int[] sizes = PeersRunner.entrySizes(store);
        assertEquals(state, sizes[0]);
        assertEquals(contribution, sizes[1]);
        assertEquals(0, PeersRunner.entrySizes(new InMemoryModelStore())[0]);
    }
}
