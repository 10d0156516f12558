package io.streamlearn.learn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageTest {

    @Test
    void shouldDescribeRunsInStateOrder() {
        Storage s = Storage.builder().counts(1).doubles(2).floats(3).then(Storage.builder().floats(1).doubles(1).build()).build();
        assertEquals(8, s.length());
        assertEquals(4, s.runs(), s.toString());
        int[][] expected = {{0, 1, Storage.COUNT}, {1, 3, Storage.DOUBLE}, {3, 7, Storage.FLOAT}, {7, 8, Storage.DOUBLE}};
        for (int r = 0; r < expected.length; r++) {
            assertEquals(expected[r][0], s.runStart(r));
            assertEquals(expected[r][1], s.runEnd(r));
            assertEquals(expected[r][2], s.runKind(r));
            for (int i = s.runStart(r); i < s.runEnd(r); i++) {
                assertEquals(s.runKind(r), s.kind(i));
            }
        }
        assertTrue(s.compact());
        assertTrue(s.hasFloats());
        assertFalse(Storage.doubles(5).compact());
        assertEquals("Storage[1 count, 2 double, 4 float, 1 double]", s.toString());
    }

    @Test
    void shouldRoundOnlyTheFloatsAndOnlyWithinTheFloatRange() {
        Storage s = Storage.builder().doubles(1).floats(4).counts(1).build();
        double[] v = {0.1, 9, 0.1, 0.1, 1e300, 0.5, 0.1};
        s.round(v, 1);
        assertEquals(0.1, v[0], 0.0, "before the state");
        assertEquals(9.0, v[1], 0.0, "a double");
        assertEquals((double) 0.1f, v[2], 0.0);
        assertEquals((double) 0.1f, v[3], 0.0);
        assertEquals(1e300, v[4], 0.0, "beyond float32: kept");
        assertEquals(0.5, v[5], 0.0);
        assertEquals(0.1, v[6], 0.0, "a count is the learner's to keep");
        assertFalse(s.fits(v, 1), "1e300 is no float32");
        v[4] = -0.0;
        assertTrue(s.fits(v, 1));
        double[] again = v.clone();
        s.round(again, 1);
        assertEquals(java.util.Arrays.toString(v), java.util.Arrays.toString(again), "idempotent");
        assertEquals(Float.MAX_VALUE, Storage.toFloat(Float.MAX_VALUE), 0.0);
        assertTrue(Double.isNaN(Storage.toFloat(Double.NaN)));
    }
}
