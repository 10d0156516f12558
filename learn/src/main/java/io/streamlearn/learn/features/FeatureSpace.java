package io.streamlearn.learn.features;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps named features to the dense vector a learner sees. Two kinds:
 * <ul>
 *   <li>{@link #ordered(List)}: a fixed, ordered list of names; a name not in the list is counted as
 *       unknown and ignored; a listed name that is absent (or whose value is null) is missing and
 *       reads as 0 (zero-imputation).</li>
 *   <li>{@link #hashed(int)}: open-ended names hashed (32-bit FNV-1a of the name's UTF-16 code units)
 *       into {@code 2^bits} buckets; colliding names add up, as in Vowpal Wabbit's feature hashing.</li>
 * </ul>
 * An ordered space may add a <em>missing indicator</em> per feature
 * ({@link #withMissingIndicators(Collection)}): one more column, after the feature columns, that is
 * 1 when the feature is missing from the event and 0 when present, so a linear model can learn a
 * separate level for "missing" instead of treating it as the value 0. Immutable and thread-safe.
 *
 * <pre>{@code
 * FeatureSpace space = FeatureSpace.ordered(List.of("temp", "load"));
 * double[] x = new double[space.dimension()];
 * space.map(Map.of("load", 2.0), x);           // x = {0.0, 2.0}
 *
 * FeatureSpace flagged = space.withMissingIndicators(List.of("temp"));
 * double[] y = new double[flagged.dimension()];
 * flagged.map(Map.of("load", 2.0), y);         // y = {0.0, 2.0, 1.0}: temp is missing
 * }</pre>
 */
public final class FeatureSpace {

    /** Suffix of a missing-indicator column's name in {@link #columnNames()}. */
    public static final String MISSING_SUFFIX = "#missing";

    private final List<String> names;
    private final Map<String, Integer> index;
    private final int bits;
    private final int dimension;
    /** For each feature index, the column of its missing indicator, or -1; null when none. */
    private final int[] indicatorColumn;
    /** The indicator columns' feature indices, in column order. */
    private final int[] indicated;

    private FeatureSpace(List<String> names, int bits) {
        this(names, bits, new int[0]);
    }

    private FeatureSpace(List<String> names, int bits, int[] indicated) {
        this.names = names;
        this.bits = bits;
        this.indicated = indicated;
        if (names != null) {
            Map<String, Integer> m = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                if (m.put(names.get(i), i) != null) {
                    throw new IllegalArgumentException("feature '" + names.get(i) + "' listed twice");
                }
            }
            this.index = m;
            this.dimension = names.size() + indicated.length;
            if (indicated.length > 0) {
                int[] col = new int[names.size()];
                Arrays.fill(col, -1);
                for (int k = 0; k < indicated.length; k++) {
                    col[indicated[k]] = names.size() + k;
                }
                this.indicatorColumn = col;
            } else {
                this.indicatorColumn = null;
            }
        } else {
            this.index = null;
            this.dimension = 1 << bits;
            this.indicatorColumn = null;
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

    /**
     * The same space plus a missing-indicator column for each of {@code features} (a subset of the
     * ordered names), appended after the feature columns in the order of {@link #names()}.
     *
     * @throws IllegalArgumentException for a hashed space, an unknown name, or a name that already has
     *                                  an indicator
     */
    public FeatureSpace withMissingIndicators(Collection<String> features) {
        if (names == null) {
            throw new IllegalArgumentException("a hashed space has no fixed feature list to flag as missing");
        }
        boolean[] flag = new boolean[names.size()];
        for (int i : indicated) {
            flag[i] = true;
        }
        for (String f : features) {
            Integer i = index.get(f);
            if (i == null) {
                throw new IllegalArgumentException("feature '" + f + "' is not in the space " + names);
            }
            if (flag[i]) {
                throw new IllegalArgumentException("feature '" + f + "' already has a missing indicator");
            }
            flag[i] = true;
        }
        int count = 0;
        for (boolean b : flag) {
            count += b ? 1 : 0;
        }
        int[] all = new int[count];
        int k = 0;
        for (int i = 0; i < flag.length; i++) {
            if (flag[i]) {
                all[k++] = i;
            }
        }
        return new FeatureSpace(names, 0, all);
    }

    /** The same space with a missing indicator for every feature; see {@link #withMissingIndicators(Collection)}. */
    public FeatureSpace withMissingIndicators() {
        List<String> rest = new ArrayList<>(names());
        for (int i : indicated) {
            rest.remove(names.get(i));
        }
        return withMissingIndicators(rest);
    }

    /** Length of the mapped vector: features, then missing indicators (hashed: {@code 2^bits}). */
    public int dimension() {
        return dimension;
    }

    /**
     * A name per column of the mapped vector: the feature names, then {@code name#missing} for each
     * indicator; for a hashed space, {@code #0 .. #(2^bits - 1)}. Allocates.
     */
    public List<String> columnNames() {
        List<String> c = new ArrayList<>(dimension);
        if (names == null) {
            for (int i = 0; i < dimension; i++) {
                c.add("#" + i);
            }
            return c;
        }
        c.addAll(names);
        for (int i : indicated) {
            c.add(names.get(i) + MISSING_SUFFIX);
        }
        return c;
    }

    /** The features that have a missing indicator, in column order. */
    public List<String> indicatedFeatures() {
        List<String> c = new ArrayList<>(indicated.length);
        for (int i : indicated) {
            c.add(names.get(i));
        }
        return c;
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
     * Writes {@code features} into {@code out} (length {@link #dimension()}), zero for missing, and
     * the missing indicators (1 missing, 0 present; a null value counts as missing). A non-finite
     * value is copied as is, for the learner's input check to refuse.
     *
     * @return how many names were not in an ordered space (always 0 for a hashed space)
     */
    public int map(Map<String, Double> features, double[] out) {
        Arrays.fill(out, 0.0);
        int[] col = indicatorColumn;
        if (col != null) {
            for (int k = 0; k < indicated.length; k++) {
                out[names.size() + k] = 1.0;
            }
        }
        int unknown = 0;
        for (Map.Entry<String, Double> e : features.entrySet()) {
            int i = indexOf(e.getKey());
            if (i < 0) {
                unknown++;
            } else {
                Double v = e.getValue();
                if (v != null) {
                    out[i] += v;
                    if (col != null && col[i] >= 0) {
                        out[col[i]] = 0.0;
                    }
                }
            }
        }
        return unknown;
    }

    @Override
    public String toString() {
        if (names == null) {
            return "hashed:" + bits;
        }
        return indicated.length == 0 ? String.join(",", names)
                : String.join(",", names) + " missing-indicators:" + String.join(",", indicatedFeatures());
    }
}
