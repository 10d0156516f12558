package io.streamlearn.learn.memory;

import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelSpec;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SeasonMemoryTest {

    private static final long HOUR = 3_600_000L;

    @Nested
    class Composed extends LearnerContractTest {
        @Override
        protected String spec() {
            return "lags:p=1+season+kalman";
        }
    }

    /**
     * The documented lookup on an hourly map: the latest labelled hour at or before {@code h - period}
     * plus the tolerance (period / 48 hours), if it is no earlier than {@code h - period} minus it;
     * else the last label.
     */
    private static double reference(Map<Long, Double> byHour, long h, long period, double fallback) {
        double tol = period / 48.0;
        for (long hh = h - 1; hh >= 0; hh--) {
            if (byHour.containsKey(hh) && hh <= h - period + tol) {
                return hh >= h - period - tol ? byHour.get(hh) : fallback;
            }
        }
        return fallback;
    }

    /** Hourly labels with a gap: the features are the labels 24 and 168 hours before, looked up by time. */
    @Test
    void shouldGiveTheLabelsOneDayAndOneWeekBeforeByEventTime() {
        SeasonMemory m = SeasonMemory.fromSpec(ModelSpec.parse("season").readout().reader(), 0);
        assertEquals("season:periods=1d/1w,capacity=400", m.spec());
        assertEquals(3, Learners.create("season+kalman", 1).inspect(Learners.create("season+kalman", 1).newState())
                .get("readout.weights").length, "the readout sees x and the two seasonal labels");
        double[] s = new double[m.size()];
        Map<Long, Double> byHour = new HashMap<>();
        double[] out = new double[2];
        long last = -1;
        for (long h = 0; h < 400; h++) {
            if (h >= 200 && h < 205) {
                continue;                              // five hours missing
            }
            long t = 1_700_000_000_000L + h * HOUR;
            m.features(s, 0, null, t, false, out, 0, null);
            double lastLabel = last < 0 ? 0.0 : byHour.get(last);
            assertEquals(reference(byHour, h, 24, lastLabel), out[0], 0.0, "day at hour " + h);
            assertEquals(reference(byHour, h, 168, lastLabel), out[1], 0.0, "week at hour " + h);
            double label = Math.sin(h / 5.0) + h;
            m.learn(s, 0, null, t, label, null, 0, null);
            byHour.put(h, label);
            last = h;
        }
    }
}
