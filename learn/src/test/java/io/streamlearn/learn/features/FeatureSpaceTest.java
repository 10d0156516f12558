package io.streamlearn.learn.features;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FeatureSpaceTest {

    @Test
    void shouldMapOrderedNamesAndImputeZeroForMissing() {
        FeatureSpace space = FeatureSpace.ordered(List.of("temp", "load", "wind"));
        double[] x = new double[space.dimension()];
        Map<String, Double> f = new HashMap<>();
        f.put("load", 2.0);
        f.put("wind", null);
        f.put("unknown", 5.0);
        assertEquals(1, space.map(f, x), "one unknown name");
        assertArrayEquals(new double[] {0.0, 2.0, 0.0}, x, 0.0);
        assertEquals(-1, space.indexOf("unknown"));
    }

    @Test
    void shouldHashWithFnv1aDeterministically() {
        // published 32-bit FNV-1a test vectors (offset basis 0x811c9dc5, prime 0x01000193):
        // "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968
        FeatureSpace space = FeatureSpace.hashed(24);
        assertEquals(0x811c9dc5 & 0xffffff, space.indexOf(""));
        assertEquals(0xe40c292c & 0xffffff, space.indexOf("a"));
        assertEquals(0xbf9cf968 & 0xffffff, space.indexOf("foobar"));
        FeatureSpace small = FeatureSpace.hashed(4);
        assertEquals(0xbf9cf968 & 0xf, small.indexOf("foobar"));
        assertEquals(16, small.dimension());
        // the same name always lands in the same bucket, in any space instance
        assertEquals(FeatureSpace.hashed(10).indexOf("temperature"), FeatureSpace.hashed(10).indexOf("temperature"));
    }

    @Test
    void shouldAddCollidingHashedFeatures() {
        FeatureSpace space = FeatureSpace.hashed(3);
        // find two different names in the same bucket
        String first = "f0";
        String second = null;
        for (int i = 1; second == null; i++) {
            if (space.indexOf("f" + i) == space.indexOf(first)) {
                second = "f" + i;
            }
        }
        String other = null;
        for (int i = 1; other == null; i++) {
            if (space.indexOf("g" + i) != space.indexOf(first)) {
                other = "g" + i;
            }
        }
        double[] x = new double[space.dimension()];
        assertEquals(0, space.map(Map.of(first, 1.5, second, 2.0, other, -1.0), x));
        assertEquals(3.5, x[space.indexOf(first)], 0.0, "colliding names add up");
        assertEquals(-1.0, x[space.indexOf(other)], 0.0);
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        assertEquals(2.5, sum, 0.0, "nothing else is written");
        assertNotEquals(first, second);
    }

    @Test
    void shouldRefuseBadHashBits() {
        assertThrows(IllegalArgumentException.class, () -> FeatureSpace.hashed(0));
        assertThrows(IllegalArgumentException.class, () -> FeatureSpace.hashed(25));
    }

    @Test
    void shouldFlagMissingFeaturesWithIndicators() {
        FeatureSpace space = FeatureSpace.ordered(List.of("temp", "load", "wind")).withMissingIndicators(List.of("wind", "temp"));
        assertEquals(5, space.dimension());
        assertEquals(List.of("temp", "load", "wind", "temp#missing", "wind#missing"), space.columnNames());
        assertEquals(List.of("temp", "wind"), space.indicatedFeatures());
        double[] x = new double[space.dimension()];
        Map<String, Double> f = new HashMap<>();
        f.put("load", 2.0);
        f.put("wind", null);
        space.map(f, x);
        assertArrayEquals(new double[] {0.0, 2.0, 0.0, 1.0, 1.0}, x, 0.0);
        space.map(Map.of("temp", 0.0, "wind", 3.0), x);
        assertArrayEquals(new double[] {0.0, 0.0, 3.0, 0.0, 0.0}, x, 0.0, "present, even as 0, is not missing");
    }

    @Test
    void shouldAddIndicatorsForEveryFeature() {
        FeatureSpace space = FeatureSpace.ordered(List.of("a", "b")).withMissingIndicators(List.of("b")).withMissingIndicators();
        assertEquals(List.of("a", "b", "a#missing", "b#missing"), space.columnNames());
        double[] x = new double[4];
        space.map(Map.of("b", 7.0), x);
        assertArrayEquals(new double[] {0, 7, 1, 0}, x, 0.0);
        assertEquals(List.of("a", "b"), space.names(), "names() stays the list of features");
    }

    @Test
    void shouldRefuseBadIndicators() {
        FeatureSpace space = FeatureSpace.ordered(List.of("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> space.withMissingIndicators(List.of("c")));
        assertThrows(IllegalArgumentException.class, () -> space.withMissingIndicators(List.of("a")).withMissingIndicators(List.of("a")));
        assertThrows(IllegalArgumentException.class, () -> FeatureSpace.hashed(4).withMissingIndicators(List.of("a")));
        assertThrows(IllegalArgumentException.class, () -> FeatureSpace.ordered(List.of("a", "a")));
    }

    /** FNV-1a (32-bit) of a string's UTF-16 code units, written out independently of the class. */
    private static int referenceFnv(String s) {
        long h = 2166136261L;
        for (char c : s.toCharArray()) {
            h = ((h ^ c) * 16777619L) & 0xffffffffL;
        }
        return (int) h;
    }

    @Test
    void shouldPutTextFieldsInTheirOwnBlockOfHashedBuckets() {
        FeatureSpace space = FeatureSpace.ordered(List.of("amount", "country=*", "age"), 8);
        assertEquals(1 + 8 + 1, space.dimension());
        assertEquals(8, space.textBuckets());
        assertEquals(0, space.indexOf("amount"));
        assertEquals(9, space.indexOf("age"));
        int fr = 1 + Integer.remainderUnsigned(referenceFnv("country=FR"), 8);
        assertEquals(fr, space.indexOf("country=FR"));
        assertEquals(-1, space.indexOf("countryside=FR"));
        assertEquals(-1, space.indexOf("country"));
        double[] x = new double[space.dimension()];
        Map<String, Double> f = new HashMap<>();
        f.put("amount", 3.0);
        f.put("country=FR", 1.0);
        f.put("city=Paris", 1.0);
        assertEquals(1, space.map(f, x), "city is not in the space");
        double[] expected = new double[10];
        expected[0] = 3.0;
        expected[fr] = 1.0;
        assertArrayEquals(expected, x, 0.0);
        assertEquals("amount,country=*,age text-buckets:8", space.toString());
        List<String> columns = space.columnNames();
        assertEquals(List.of("amount", "country=#0", "country=#1"), columns.subList(0, 3));
        assertEquals("age", columns.get(9));
    }

    @Test
    void shouldFlagAMissingTextFieldWhenNoneOfItsValuesIsPresent() {
        FeatureSpace space = FeatureSpace.ordered(List.of("a", "c=*"), 4).withMissingIndicators(List.of("c=*"));
        assertEquals(1 + 4 + 1, space.dimension());
        double[] x = new double[space.dimension()];
        space.map(Map.of("a", 1.0), x);
        assertEquals(1.0, x[5]);
        space.map(Map.of("c=z", 1.0), x);
        assertEquals(0.0, x[5]);
        assertEquals(1.0, x[space.indexOf("c=z")]);
        assertEquals(List.of("a", "c=#0", "c=#1", "c=#2", "c=#3", "c=*#missing"), space.columnNames());
    }

    @Test
    void shouldKeepTheDefaultBucketsAndRefuseBadOnes() {
        assertEquals(1 + FeatureSpace.DEFAULT_TEXT_BUCKETS, FeatureSpace.ordered(List.of("a", "t=*")).dimension());
        assertEquals(2, FeatureSpace.ordered(List.of("a", "b")).dimension());
        assertThrows(IllegalArgumentException.class, () -> FeatureSpace.ordered(List.of("t=*"), 0));
        assertThrows(IllegalArgumentException.class, () -> FeatureSpace.ordered(List.of("t=*", "t=*")));
    }
}
