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
 * In an ordered space, an entry {@code name=*} is a <em>text field</em>: the indicator features
 * {@code name=value} that a text value becomes (one-hot, value 1) hash (FNV-1a of the whole
 * {@code name=value}) into the field's own block of {@link #textBuckets()} columns, at the entry's place
 * in the order (so {@code a,country=*,b} is a, then the country block, then b). Other values of the same
 * field share a bucket only when they collide.
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
 *
 * FeatureSpace text = FeatureSpace.ordered(List.of("amount", "country=*"), 4);   // 1 + 4 columns
 * text.map(Map.of("amount", 3.0, "country=FR", 1.0), new double[text.dimension()]);
 * }</pre>
 */
public final class FeatureSpace {

    /** Suffix of a missing-indicator column's name in {@link #columnNames()}. */
    public static final String MISSING_SUFFIX = "#missing";
    /** Suffix of an ordered entry that is a text field: {@code country=*}. */
    public static final String TEXT_SUFFIX = "=*";
    /**
     * Columns per text field when not given: small, because per-key models such as RLS and Kalman keep a
     * covariance quadratic in the dimension; raise it for fields with many frequent values.
     */
    public static final int DEFAULT_TEXT_BUCKETS = 16;

    private final List<String> names;
    /** Entry index of each plain (non-text) name. */
    private final Map<String, Integer> index;
    private final int bits;
    private final int dimension;
    /** The first column of each entry (ordered spaces). */
    private final int[] start;
    /** Columns per text field. */
    private final int textBuckets;
    /** The text fields' names without {@code =*} (for prefix matching), and their entry indices. */
    private final String[] textFields;
    private final int[] textEntries;
    /** For each entry, the column of its missing indicator, or -1; null when none. */
    private final int[] indicatorColumn;
    /** The indicator columns' entry indices, in column order. */
    private final int[] indicated;

    private FeatureSpace(List<String> names, int bits) {
        this(names, bits, DEFAULT_TEXT_BUCKETS, new int[0]);
    }

    private FeatureSpace(List<String> names, int bits, int textBuckets, int[] indicated) {
        this.names = names;
        this.bits = bits;
        this.indicated = indicated;
        this.textBuckets = textBuckets;
        if (names != null) {
            if (textBuckets < 1 || textBuckets > 1 << 16) {
                throw new IllegalArgumentException("text buckets must be in [1, 65536], got " + textBuckets);
            }
            Map<String, Integer> m = new HashMap<>();
            List<String> fields = new ArrayList<>();
            List<Integer> entries = new ArrayList<>();
            this.start = new int[names.size()];
            int column = 0;
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i);
                start[i] = column;
                if (n.endsWith(TEXT_SUFFIX) && n.length() > TEXT_SUFFIX.length()) {
                    String field = n.substring(0, n.length() - TEXT_SUFFIX.length());
                    if (fields.contains(field)) {
                        throw new IllegalArgumentException("feature '" + n + "' listed twice");
                    }
                    fields.add(field);
                    entries.add(i);
                    column += textBuckets;
                } else {
                    if (m.put(n, i) != null) {
                        throw new IllegalArgumentException("feature '" + n + "' listed twice");
                    }
                    column++;
                }
            }
            this.index = m;
            this.textFields = fields.toArray(new String[0]);
            this.textEntries = entries.stream().mapToInt(Integer::intValue).toArray();
            this.dimension = column + indicated.length;
            if (indicated.length > 0) {
                int[] col = new int[names.size()];
                Arrays.fill(col, -1);
                for (int k = 0; k < indicated.length; k++) {
                    col[indicated[k]] = column + k;
                }
                this.indicatorColumn = col;
            } else {
                this.indicatorColumn = null;
            }
        } else {
            this.index = null;
            this.start = null;
            this.textFields = new String[0];
            this.textEntries = new int[0];
            this.dimension = 1 << bits;
            this.indicatorColumn = null;
        }
    }

    /**
     * A space over exactly these names, in this order; an entry {@code name=*} is a text field of
     * {@value #DEFAULT_TEXT_BUCKETS} columns.
     */
    public static FeatureSpace ordered(List<String> names) {
        return new FeatureSpace(List.copyOf(names), 0);
    }

    /**
     * A space over exactly these names, in this order; an entry {@code name=*} is a text field of
     * {@code textBuckets} columns (1 to 65536).
     */
    public static FeatureSpace ordered(List<String> names, int textBuckets) {
        return new FeatureSpace(List.copyOf(names), 0, textBuckets, new int[0]);
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
            int i = names.indexOf(f);
            if (i < 0) {
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
        return new FeatureSpace(names, 0, textBuckets, all);
    }

    /** The same space with a missing indicator for every feature; see {@link #withMissingIndicators(Collection)}. */
    public FeatureSpace withMissingIndicators() {
        List<String> rest = new ArrayList<>(names());
        for (int i : indicated) {
            rest.remove(names.get(i));
        }
        return withMissingIndicators(rest);
    }

    /** Columns per text field ({@code name=*} entry) of an ordered space. */
    public int textBuckets() {
        return textBuckets;
    }

    /** Length of the mapped vector: features, then missing indicators (hashed: {@code 2^bits}). */
    public int dimension() {
        return dimension;
    }

    /**
     * A name per column of the mapped vector: the feature names (a text field's block as
     * {@code name=#0 .. name=#(buckets - 1)}), then {@code name#missing} for each indicator; for a hashed
     * space, {@code #0 .. #(2^bits - 1)}. Allocates.
     */
    public List<String> columnNames() {
        List<String> c = new ArrayList<>(dimension);
        if (names == null) {
            for (int i = 0; i < dimension; i++) {
                c.add("#" + i);
            }
            return c;
        }
        for (String n : names) {
            if (index.containsKey(n)) {
                c.add(n);
            } else {
                String field = n.substring(0, n.length() - TEXT_SUFFIX.length());
                for (int b = 0; b < textBuckets; b++) {
                    c.add(field + "=#" + b);
                }
            }
        }
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

    /**
     * Column of a name, or -1 when an ordered space does not list it: a listed name's column, the bucket
     * of {@code field=value} in a text field's block, or (hashed) the name's bucket.
     */
    public int indexOf(String name) {
        if (names == null) {
            return fnv(name) & ((1 << bits) - 1);
        }
        Integer listed = index.get(name);
        if (listed != null) {
            return start[listed];
        }
        int entry = textEntryOf(name);
        return entry < 0 ? -1 : start[entry] + Integer.remainderUnsigned(fnv(name), textBuckets);
    }

    /** The entry of the text field that {@code field=value} belongs to, or -1. No allocation. */
    private int textEntryOf(String name) {
        String[] fields = textFields;
        for (int k = 0; k < fields.length; k++) {
            String f = fields[k];
            if (name.length() > f.length() && name.charAt(f.length()) == '=' && name.startsWith(f)) {
                return textEntries[k];
            }
        }
        return -1;
    }

    private static int fnv(String name) {
        int h = 0x811c9dc5;
        for (int i = 0; i < name.length(); i++) {
            h ^= name.charAt(i);
            h *= 0x01000193;
        }
        return h;
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
                out[dimension - indicated.length + k] = 1.0;
            }
        }
        int unknown = 0;
        if (names == null) {
            for (Map.Entry<String, Double> e : features.entrySet()) {
                Double v = e.getValue();
                if (v != null) {
                    out[fnv(e.getKey()) & ((1 << bits) - 1)] += v;
                }
            }
            return 0;
        }
        for (Map.Entry<String, Double> e : features.entrySet()) {
            String name = e.getKey();
            Integer listed = index.get(name);
            int entry;
            int i;
            if (listed != null) {
                entry = listed;
                i = start[entry];
            } else {
                entry = textEntryOf(name);
                i = entry < 0 ? -1 : start[entry] + Integer.remainderUnsigned(fnv(name), textBuckets);
            }
            if (entry < 0) {
                unknown++;
            } else {
                Double v = e.getValue();
                if (v != null) {
                    out[i] += v;
                    if (col != null && col[entry] >= 0) {
                        out[col[entry]] = 0.0;
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
        String s = String.join(",", names);
        if (textFields.length > 0) {
            s += " text-buckets:" + textBuckets;
        }
        return indicated.length == 0 ? s : s + " missing-indicators:" + String.join(",", indicatedFeatures());
    }
}
