package io.streamlearn.learn.features;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps named features to the dense vector a learner sees. Two kinds:
 * <ul>
 *   <li>{@link #ordered(List)}: a fixed, ordered list of names; a name not in the list is counted as
 *       unknown and ignored; a listed name that is absent is missing and reads as 0.</li>
 *   <li>{@link #hashed(int)}: open-ended names hashed (32-bit FNV-1a) into {@code 2^bits} buckets;
 *       colliding names add up, as in Vowpal Wabbit's feature hashing.</li>
 * </ul>
 * Immutable and thread-safe.
 *
 * <pre>{@code
 * FeatureSpace space = FeatureSpace.ordered(List.of("temp", "load"));
 * double[] x = new double[space.dimension()];
 * space.map(Map.of("load", 2.0), x);           // x = {0.0, 2.0}
 * }</pre>
 */
public final class FeatureSpace {

    private final List<String> names;
    private final Map<String, Integer> index;
    private final int bits;
    private final int dimension;

    private FeatureSpace(List<String> names, int bits) {
        this.names = names;
        this.bits = bits;
        if (names != null) {
            Map<String, Integer> m = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                if (m.put(names.get(i), i) != null) {
                    throw new IllegalArgumentException("feature '" + names.get(i) + "' listed twice");
                }
            }
            this.index = m;
            this.dimension = names.size();
        } else {
            this.index = null;
            this.dimension = 1 << bits;
        }
    }

    /** A space over exactly these names, in this order. */
    public static FeatureSpace ordered(List<String> names) {
        return new FeatureSpace(List.copyOf(names), 0);
    }

    /** A hashed space of {@code 2^bits} buckets, 1 &lt;= bits &lt;= 24. */
    public static FeatureSpace hashed(int bits) {
        if (bits < 1 || bits > 24) {
            throw new IllegalArgumentException("hash bits must be in [1, 24], got " + bits);
        }
        return new FeatureSpace(null, bits);
    }

    public int dimension() {
        return dimension;
    }

    public boolean isHashed() {
        return names == null;
    }

    /** The ordered names, or an empty list for a hashed space. */
    public List<String> names() {
        return names == null ? Collections.emptyList() : names;
    }

    /** Index of a name, or -1 when an ordered space does not list it. */
    public int indexOf(String name) {
        if (names == null) {
            return bucket(name);
        }
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    private int bucket(String name) {
        int h = 0x811c9dc5;
        for (int i = 0; i < name.length(); i++) {
            h ^= name.charAt(i);
            h *= 0x01000193;
        }
        return h & ((1 << bits) - 1);
    }

    /**
     * Writes {@code features} into {@code out} (length {@link #dimension()}), zero for missing.
     *
     * @return how many names were not in an ordered space (always 0 for a hashed space)
     */
    public int map(Map<String, Double> features, double[] out) {
        Arrays.fill(out, 0.0);
        int unknown = 0;
        for (Map.Entry<String, Double> e : features.entrySet()) {
            int i = indexOf(e.getKey());
            if (i < 0) {
                unknown++;
            } else {
                Double v = e.getValue();
                out[i] += v == null ? 0.0 : v;
            }
        }
        return unknown;
    }

    @Override
    public String toString() {
        return names == null ? "hashed:" + bits : String.join(",", names);
    }
}
