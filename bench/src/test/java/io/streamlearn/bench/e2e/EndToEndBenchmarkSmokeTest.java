package io.streamlearn.bench.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end-to-end benchmark at a tiny size on the embedded broker: two models per key and half the
 * labels delayed, bare then learn. Checks the counts the benchmark's end condition relies on, never
 * timings.
 */
class EndToEndBenchmarkSmokeTest {

    @Test
    void shouldSizeTheBareStatesLikeTheLearners() {
        EndToEndBenchmark b = new EndToEndBenchmark();
        b.dimension = 8;
        b.models = List.of("kalman", "sgd");
        // at d = 8, after a 21- or 19-byte header (1000 updates and a 2020s time; the layout, 258 for
        // kalman and 0 for sgd, and the values count take 2 bytes from 128 up): kalman in codec version 4,
        // the bank's count n (1 byte for a fresh state) and 4 members of 56 float32, then the
        // standardization's count c (1 byte) and 16 float32 scales; sgd in version 3, 30 doubles
        assertArrayEquals(new int[] {21 + 1 + 4 * 56 * 4 + 1 + 16 * 4, 19 + 8 * 30}, b.bareStateBytes());
        b.stateBytes = "100,50";
        assertArrayEquals(new int[] {100, 50}, b.bareStateBytes());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldCountBothModelsOutputsAndJoinEveryDelayedLabelInBothTopologies() throws Exception {
        EndToEndBenchmark b = new EndToEndBenchmark();
        b.events = 400;
        b.keys = 20;
        b.dimension = 4;
        b.models = List.of("kalman", "sgd");
        b.delayed = 0.5;
        b.labelLag = 50;
        b.warmup = 0;
        b.latencySeconds = 0;
        b.topology = "bare,learn";
        List<EndToEndBenchmark.Result> results = b.execute();

        assertEquals(2, results.size());
        long sent = results.get(0).labelsSent;
        assertTrue(sent > 150 && sent < 250, "about half of 400 events should have a delayed label, got " + sent);
        for (EndToEndBenchmark.Result r : results) {
            assertEquals(400, r.outputs, r.topology + ": champion predictions");
            assertEquals(400, r.shadowOutputs, r.topology + ": shadow predictions");
            assertEquals(sent, r.labelsSent, r.topology + ": the same labels for both topologies");
            assertEquals(sent, r.labelsJoined, r.topology + ": every delayed label joins its event");
            assertEquals(0, r.skipped, r.topology + ": dead letters");
            assertTrue(r.fromStart > 0 && r.steady > 0);
        }
    }
}
