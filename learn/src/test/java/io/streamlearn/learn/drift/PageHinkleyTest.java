package io.streamlearn.learn.drift;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageHinkleyTest {

    @Test
    void shouldMatchHandComputedStatistics() {
        // x = 0,0,0,0,10 with δ = 0.5: running means 0,0,0,0,2; m = 4·(−0.5) + (10 − 2 − 0.5) = 5.5;
        // M = min(0, −0.5, −1, −1.5, −2, 5.5) = −2; statistic m − M = 7.5 (< λ = 13: no alarm).
        // Then x = 10: mean = 2 + 8/6 = 10/3; m = 5.5 + 10 − 10/3 − 0.5 = 35/3; statistic 35/3 + 2 = 41/3 > 13.
        PageHinkley ph = new PageHinkley(0.5, 13, 1.0, 1);
        double[] s = new double[ph.size()];
        ph.reset(s, 0);
        for (double x : new double[] {0, 0, 0, 0}) {
            assertFalse(ph.add(s, 0, x));
        }
        assertFalse(ph.add(s, 0, 10));
        Map<String, double[]> v = ph.inspect(s, 0);
        assertEquals(5, v.get("count")[0]);
        assertEquals(2.0, v.get("mean")[0], 1e-15);
        assertEquals(5.5, v.get("cumulativeDeviation")[0], 1e-15);
        assertEquals(-2.0, v.get("minimum")[0], 1e-15);
        assertEquals(7.5, v.get("statistic")[0], 1e-15);
        assertTrue(ph.add(s, 0, 10), "41/3 > 13 must raise the alarm");
        assertEquals(0, ph.inspect(s, 0).get("count")[0], "the test restarts after an alarm");
    }

    @Test
    void shouldDetectAKnownShiftOfTheMeanAndNothingBefore() {
        PageHinkley ph = new PageHinkley(0.005, 50, 1.0, 30);
        double[] s = new double[ph.size()];
        SplittableRandom r = new SplittableRandom(17);
        int change = 2000;
        int first = -1;
        for (int t = 0; t < 3000 && first < 0; t++) {
            double x = (t < change ? 1.0 : 3.0) + 0.5 * r.nextGaussian();
            if (ph.add(s, 0, x)) {
                first = t;
            }
        }
        assertTrue(first >= change && first < change + 60, "detected at " + first + ", change at " + change);
    }

    @Test
    void shouldIgnoreADecreaseOfTheMean() {
        PageHinkley ph = new PageHinkley(0.005, 50, 1.0, 30);
        double[] s = new double[ph.size()];
        SplittableRandom r = new SplittableRandom(18);
        for (int t = 0; t < 4000; t++) {
            assertFalse(ph.add(s, 0, (t < 2000 ? 3.0 : 1.0) + 0.5 * r.nextGaussian()), "at " + t);
        }
    }
}
