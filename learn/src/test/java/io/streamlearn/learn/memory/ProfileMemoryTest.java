package io.streamlearn.learn.memory;

import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelSpec;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfileMemoryTest {

    private static final long HOUR = 3_600_000L;

    @Nested
    class Composed extends LearnerContractTest {
        @Override
        protected String spec() {
            return "lags:p=2+profile+kalman";
        }
    }

    @Nested
    class Daily extends LearnerContractTest {
        @Override
        protected String spec() {
            return "profile:period=1d,slots=24,rates=0.2+rls";
        }
    }

    /**
     * The documented averages, computed another way: each label kept in a list per (day of week, hour)
     * from the calendar (UTC; the epoch's phase of a week is Thursday 00:00), the average at rate r
     * rebuilt from the whole list with weights {@code max(r, 1/n)}.
     */
    private static double reference(List<Double> labels, double rate) {
        double mean = 0;
        int saturation = (int) Math.ceil(1 / 0.1);
        for (int n = 1; n <= labels.size(); n++) {
            double w = Math.max(rate, 1.0 / Math.min(n, saturation));
            mean += w * (labels.get(n - 1) - mean);
        }
        return mean;
    }

    private static String bin(long t) {
        ZonedDateTime z = Instant.ofEpochMilli(t).atZone(ZoneOffset.UTC);
        return z.getDayOfWeek() + "@" + z.getHour();
    }

    /** Hourly labels with gaps and some half hours: the hour-of-week averages and the last deviations. */
    @Test
    void shouldKeepTheAverageLabelOfEachHourOfTheWeek() {
        ProfileMemory m = ProfileMemory.fromSpec(ModelSpec.parse("profile").readout().reader(), 0);
        assertEquals("profile:period=1w,slots=168,rates=0.1/0.4", m.spec());
        assertEquals(2 * 168 + 168 + 1 + 2, m.size());
        assertEquals(1 + 4, Learners.create("profile+kalman", 1).inspect(Learners.create("profile+kalman", 1).newState())
                .get("readout.weights").length, "the readout sees x and two profiles with their deviations");
        double[] s = new double[m.size()];
        Map<String, List<Double>> byBin = new HashMap<>();
        double[] out = new double[4];
        double[] deviation = {0, 0};
        double last = 0;
        SplittableRandom r = new SplittableRandom(5);
        long t = 1_700_000_000_000L;                   // a Tuesday, 22:13:20 UTC
        for (int e = 0; e < 4_000; e++) {
            t += r.nextInt(10) == 0 ? 7 * HOUR : r.nextInt(4) == 0 ? HOUR / 2 : HOUR;
            m.features(s, 0, null, t, false, out, 0, null);
            List<Double> seen = byBin.computeIfAbsent(bin(t), b -> new ArrayList<>());
            for (int k = 0; k < 2; k++) {
                double rate = k == 0 ? 0.1 : 0.4;
                double expected = seen.isEmpty() ? last : reference(seen, rate);
                assertEquals(expected, out[2 * k], 1e-9 * (1 + Math.abs(expected)), "profile " + rate + " at event " + e);
                assertEquals(deviation[k], out[2 * k + 1], 1e-9 * (1 + Math.abs(deviation[k])), "deviation at event " + e);
            }
            double label = 100 * Math.sin(2 * Math.PI * (t % (7 * 24 * HOUR)) / (7 * 24 * HOUR)) + 10 * r.nextGaussian();
            for (int k = 0; k < 2; k++) {
                deviation[k] = seen.isEmpty() ? 0.0 : label - reference(seen, k == 0 ? 0.1 : 0.4);
            }
            m.learn(s, 0, null, t, label, null, 0, null);
            seen.add(label);
            last = label;
        }
        assertTrue(byBin.size() == 168, "every hour of the week was visited: " + byBin.size());
    }

    /** Events before 1970 fall in the bin of their phase too (a negative remainder wraps). */
    @Test
    void shouldPlaceTimesBeforeTheEpochInTheirBin() {
        ProfileMemory m = new ProfileMemory(7 * 24 * HOUR, 168, new double[] {1.0});
        double[] s = new double[m.size()];
        double[] out = new double[2];
        long before = -3 * 7 * 24 * HOUR + 5 * HOUR;     // three weeks before the epoch, hour 5 of its week
        m.learn(s, 0, null, before, 42.0, null, 0, null);
        m.learn(s, 0, null, 6 * HOUR, 7.0, null, 0, null);   // another bin: the last label is 7
        m.features(s, 0, null, 5 * HOUR + 60_000L, false, out, 0, null);
        assertEquals(42.0, out[0], 0.0, "the same hour of the week");
        m.features(s, 0, null, 9 * HOUR, false, out, 0, null);
        assertEquals(7.0, out[0], 0.0, "an empty bin gives the last label");
    }

    @Test
    void shouldRefuseBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> Learners.create("profile:rates=0+kalman", 1));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("profile:rates=1.5+kalman", 1));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("profile:rates=a/0.1+kalman", 1));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("profile:slots=0+kalman", 1));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("profile:period=0s+kalman", 1));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("profile:other=1+kalman", 1));
    }
}
