package io.streamlearn.learn.drift;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdwinTest {

    @Test
    void shouldKeepTheExactSumAndVarianceOfTheMostRecentValuesInBoundedMemory() {
        int buckets = 3;
        int rows = 4;
        Adwin adwin = new Adwin(0.002, buckets, rows, 32, 10);
        double[] s = new double[adwin.size()];
        assertEquals(4 + rows + 2 * rows * (buckets + 1), s.length);
        List<Double> seen = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(21);
        for (int t = 0; t < 5000; t++) {
            double x = r.nextDouble() * 10;
            seen.add(x);
            adwin.add(s, 0, x);
            int w = (int) adwin.width(s, 0);
            assertTrue(w <= buckets * ((1 << rows) - 1) + 1, "window " + w + " exceeds the histogram's capacity");
            // reference: the window is always the w most recent values
            double sum = 0;
            for (int i = seen.size() - w; i < seen.size(); i++) {
                sum += seen.get(i);
            }
            double mean = sum / w;
            double m2 = 0;
            for (int i = seen.size() - w; i < seen.size(); i++) {
                m2 += (seen.get(i) - mean) * (seen.get(i) - mean);
            }
            assertEquals(sum, adwin.total(s, 0), 1e-9 * sum, "total at " + t);
            assertEquals(m2 / w, adwin.variance(s, 0), 1e-9 * (1 + m2 / w), "variance at " + t);
        }
        assertTrue(adwin.width(s, 0) > 30, "a stationary stream keeps a long window");
    }

    @Test
    void shouldDetectAKnownChangeOfABernoulliMeanAndShrinkTheWindow() {
        Adwin adwin = new Adwin(0.002, 5, 20, 32, 10);
        double[] s = new double[adwin.size()];
        SplittableRandom r = new SplittableRandom(5);
        int change = 3000;
        int first = -1;
        for (int t = 0; t < 6000; t++) {
            double p = t < change ? 0.2 : 0.8;
            boolean detected = adwin.add(s, 0, r.nextDouble() < p ? 1.0 : 0.0);
            if (detected && first < 0) {
                first = t;
            }
        }
        assertTrue(first >= change && first < change + 200, "detected at " + first + ", change at " + change);
        double mean = adwin.total(s, 0) / adwin.width(s, 0);
        assertEquals(0.8, mean, 0.05, "the window now holds the new regime");
        assertTrue(adwin.width(s, 0) < 3000 + 64, "the old regime left the window: " + adwin.width(s, 0));
    }

    @Test
    void shouldStayQuietOnAStationaryStream() {
        Adwin adwin = new Adwin(0.002, 5, 20, 32, 10);
        double[] s = new double[adwin.size()];
        SplittableRandom r = new SplittableRandom(6);
        int detections = 0;
        for (int t = 0; t < 20_000; t++) {
            if (adwin.add(s, 0, r.nextGaussian())) {
                detections++;
            }
        }
        assertTrue(detections <= 1, "false alarms: " + detections);
        assertTrue(adwin.width(s, 0) > 10_000);
    }
}
