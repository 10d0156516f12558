package io.streamlearn.streams.backtest;

import io.streamlearn.learn.features.FeatureSpace;
import com.fasterxml.jackson.core.io.NumberInput;
import io.streamlearn.streams.decode.Timestamps;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads a CSV file with the header {@code key,ts,label,<feature columns>} ({@code .gz} accepted).
 * <ul>
 *   <li>{@code ts}: epoch milliseconds or an ISO-8601 instant;</li>
 *   <li>an empty {@code label} means the row is scored but not learned from (predict only);</li>
 *   <li>an empty feature cell is a missing feature: it is left out of the feature map;</li>
 *   <li>a <em>text column</em> is categorical, as a text field of a mapped topic: its cell {@code v} is the
 *       indicator feature {@code name=v} with value 1, and its entry in {@link #featureNames()} is
 *       {@code name=*} (a block of hashed buckets in the ordered feature space). Without a feature list,
 *       a column is text when at least half of its non-empty cells in the first {@value #SCANNED_ROWS} rows
 *       are not numbers (read once more for that; in a numeric column a word is a bad row);
 *       with one, {@code name=*} selects column {@code name} as text, {@code name} as numeric.</li>
 * </ul>
 * Fields may be double-quoted (RFC 4180, {@code ""} for a quote) but not span lines. A row with the
 * wrong number of columns, an empty key, an unparseable or non-finite number is a
 * {@link BadRowException} naming its line (the header is line 1).
 * <p>
 * Reading allocates nothing per cell: lines are cut in a reused character buffer ({@link LineBuffer}),
 * numbers are parsed in place by FastDoubleParser (as bundled by Jackson; the same doubles as
 * {@link Double#parseDouble}, see {@code CsvNumberParsingTest}), timestamps in place
 * ({@link Timestamps#parse(CharSequence)}), and keys are shared strings looked up by their characters
 * ({@link KeyTable}). What remains per row is the event's feature map (boxed values) and, for a text
 * column, the cell's string.
 *
 * <pre>{@code
 * try (EventSource in = CsvEventSource.open(Path.of("events.csv"), null)) {
 *     BacktestEvent e = new BacktestEvent();
 *     while (in.next(e)) { ... }
 * }
 * }</pre>
 */
public final class CsvEventSource implements EventSource {

    private final LineBuffer reader;
    private final CountingInputStream counting;
    private final long size;
    private final int columns;
    private final List<String> featureNames;
    /** For each column from index 3: the feature name to fill, or null when not selected. */
    private final String[] columnFeature;
    /** For each column: whether it is a text column (categorical). */
    private final boolean[] textColumn;
    /** For each text column: its indicator names by cell value, shared by every row (bounded). */
    private final Map<String, String>[] indicators;
    private int indicatorCount;
    /** Distinct indicator names kept for reuse; past this they are made per row. */
    static final int MAX_INDICATORS = 1 << 16;
    /** The cells of the current row: {@code cells[off[i], off[i] + len[i])}. */
    private char[] cells;
    private final int[] off;
    private final int[] len;
    /** Holds the unquoted cells of a row with quotes. */
    private char[] unquoted = new char[256];
    private final CharSlice slice = new CharSlice();
    private final KeyTable keys = new KeyTable();
    private long line = 1;

    @SuppressWarnings("unchecked")
    private CsvEventSource(LineBuffer reader, CountingInputStream counting, long size, String header,
                           List<String> selected, boolean[] scannedText) throws IOException {
        this.reader = reader;
        this.counting = counting;
        this.size = size;
        if (header == null) {
            throw new IOException("empty file: no header line");
        }
        String h = header.startsWith("\uFEFF") ? header.substring(1) : header;
        List<String> names = new ArrayList<>();
        splitInto(h, names);
        if (names.size() < 3 || !names.get(0).trim().equals("key") || !names.get(1).trim().equals("ts")
                || !names.get(2).trim().equals("label")) {
            throw new IOException("line 1: the header must start with key,ts,label, got '" + header + "'");
        }
        this.columns = names.size();
        this.columnFeature = new String[columns];
        this.textColumn = new boolean[columns];
        this.indicators = new Map[columns];
        List<String> all = new ArrayList<>();
        for (int i = 3; i < columns; i++) {
            all.add(names.get(i).trim());
        }
        if (selected == null) {
            List<String> entries = new ArrayList<>();
            for (int i = 3; i < columns; i++) {
                String name = all.get(i - 3);
                columnFeature[i] = name;
                textColumn[i] = scannedText != null && scannedText[i];
                entries.add(textColumn[i] ? name + FeatureSpace.TEXT_SUFFIX : name);
            }
            featureNames = Collections.unmodifiableList(entries);
        } else {
            for (String f : selected) {
                if (!all.contains(f) && !(f.endsWith(FeatureSpace.TEXT_SUFFIX) && all.contains(textField(f)))) {
                    throw new IOException("feature '" + f + "' is not a column of the file (columns: " + String.join(",", all) + ")");
                }
            }
            featureNames = List.copyOf(selected);
            for (int i = 3; i < columns; i++) {
                String name = all.get(i - 3);
                if (selected.contains(name)) {
                    columnFeature[i] = name;
                } else if (selected.contains(name + FeatureSpace.TEXT_SUFFIX)) {
                    columnFeature[i] = name;
                    textColumn[i] = true;
                }
            }
        }
        for (int i = 3; i < columns; i++) {
            if (textColumn[i]) {
                indicators[i] = new HashMap<>();
            }
        }
        this.off = new int[columns];
        this.len = new int[columns];
    }

    /**
     * Opens a CSV file, gunzipping it when its name ends in {@code .gz}.
     *
     * @param features the feature columns to use, in order; null for every feature column
     * @throws IOException if the file cannot be read or its header is wrong
     */
    public static CsvEventSource open(Path file, List<String> features) throws IOException {
        boolean[] text = features == null ? scanTextColumns(file) : null;
        return open(file, features, text);
    }

    private static CsvEventSource open(Path file, List<String> features, boolean[] text) throws IOException {
        InputStream raw = Files.newInputStream(file);
        CountingInputStream counting = new CountingInputStream(raw);
        InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(counting, 1 << 16) : counting;
        Reader chars = new InputStreamReader(in, StandardCharsets.UTF_8);
        LineBuffer r = new LineBuffer(chars, 1 << 16);
        try {
            String header = r.next() ? r.line() : null;
            return new CsvEventSource(r, counting, Files.size(file), header, features, text);
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** Data rows read to decide which columns are text. */
    static final int SCANNED_ROWS = 10_000;

    /**
     * Reads the first {@value #SCANNED_ROWS} data rows: for each column, whether at least half of its
     * non-empty cells there are not numbers (then it is a text column; a numeric column with a stray word
     * keeps its numbers, and the word is a bad row, as before). Rows with the wrong number of columns are
     * left to the real pass.
     */
    private static boolean[] scanTextColumns(Path file) throws IOException {
        try (CsvEventSource pass = open(file, null, null)) {
            long[] words = new long[pass.columns];
            long[] numbers = new long[pass.columns];
            int rows = 0;
            while (rows++ < SCANNED_ROWS && pass.reader.next()) {
                if (pass.reader.start() == pass.reader.end()) {
                    continue;
                }
                int n = pass.split();
                if (n != pass.columns) {
                    continue;
                }
                for (int i = 3; i < n; i++) {
                    if (pass.len[i] > 0) {
                        if (isNumber(pass.cell(i))) {
                            numbers[i]++;
                        } else {
                            words[i]++;
                        }
                    }
                }
            }
            boolean[] text = new boolean[pass.columns];
            for (int i = 3; i < text.length; i++) {
                text[i] = words[i] > 0 && words[i] >= numbers[i];
            }
            return text;
        }
    }

    /** Whether {@link Double#parseDouble} reads the cell (after a cheap check for plain decimal numbers). */
    static boolean isNumber(String cell) {
        boolean plain = true;
        for (int i = 0; i < cell.length() && plain; i++) {
            char c = cell.charAt(i);
            plain = (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
        }
        if (plain) {
            return true; // a malformed one ("1-2") is reported by the real pass as an unparseable number
        }
        try {
            Double.parseDouble(cell);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String textField(String entry) {
        return entry.substring(0, entry.length() - FeatureSpace.TEXT_SUFFIX.length());
    }

    @Override
    public List<String> featureNames() {
        return featureNames;
    }

    @Override
    public boolean next(BacktestEvent into) throws IOException, BadRowException {
        do {
            if (!reader.next()) {
                line++;
                return false;
            }
            line++;
        } while (reader.start() == reader.end());
        int n = split();
        if (n != columns) {
            throw new BadRowException(line, "expected " + columns + " columns, got " + n);
        }
        if (len[0] == 0) {
            throw new BadRowException(line, "empty key");
        }
        String key = keys.get(cells, off[0], len[0]);
        long time;
        try {
            time = Timestamps.parse(slice.of(cells, off[1], len[1]));
        } catch (IllegalArgumentException e) {
            throw new BadRowException(line, e.getMessage());
        }
        double label = len[2] == 0 ? Double.NaN : number(2, "label");
        into.features.clear();
        for (int i = 3; i < columns; i++) {
            String name = columnFeature[i];
            if (name != null && len[i] > 0) {
                if (textColumn[i]) {
                    into.features.put(indicator(i, name, cell(i)), 1.0);
                } else {
                    into.features.put(name, number(i, name));
                }
            }
        }
        into.key = key;
        into.id = null;
        into.time = time;
        into.label = label;
        into.line = line;
        return true;
    }

    /** {@code name=value}, the same string for every row with that value (while the budget lasts). */
    private String indicator(int column, String name, String value) {
        Map<String, String> m = indicators[column];
        String s = m.get(value);
        if (s == null) {
            s = name + "=" + value;
            if (indicatorCount < MAX_INDICATORS) {
                m.put(value, s);
                indicatorCount++;
            }
        }
        return s;
    }

    /** The cell as a string (allocates). */
    private String cell(int i) {
        return new String(cells, off[i], len[i]);
    }

    /** Cell {@code i} as {@link Double#parseDouble} reads it, finite. */
    private double number(int i, String what) throws BadRowException {
        double v;
        try {
            v = parseDouble(cells, off[i], len[i]);
        } catch (NumberFormatException e) {
            throw new BadRowException(line, "unparseable number '" + cell(i) + "' for " + what);
        }
        if (!Double.isFinite(v)) {
            throw new BadRowException(line, "non-finite " + what + " '" + cell(i) + "'");
        }
        return v;
    }

    /**
     * {@link Double#parseDouble} of {@code chars[from, from + count)} without making a string: the
     * FastDoubleParser Jackson bundles, which accepts the same syntax (whitespace, sign, decimal and
     * hexadecimal forms, {@code NaN}, {@code Infinity}, a {@code d}/{@code f} suffix) and rounds
     * correctly, as {@code parseDouble} does.
     */
    static double parseDouble(char[] chars, int from, int count) {
        return NumberInput.parseDouble(chars, from, count, true);
    }

    /** Cuts the current line into cells; returns how many (at most {@link #columns} are kept). */
    private int split() {
        char[] b = reader.chars();
        int from = reader.start();
        int to = reader.end();
        for (int i = from; i < to; i++) {
            if (b[i] == '"') {
                return splitQuoted(b, from, to);
            }
        }
        cells = b;
        int n = 0;
        int cellStart = from;
        for (int i = from; i < to; i++) {
            if (b[i] == ',') {
                if (n < columns) {
                    off[n] = cellStart;
                    len[n] = i - cellStart;
                }
                n++;
                cellStart = i + 1;
            }
        }
        if (n < columns) {
            off[n] = cellStart;
            len[n] = to - cellStart;
        }
        return n + 1;
    }

    /** RFC 4180 splitting of a line with quotes, unquoting into a second buffer. */
    private int splitQuoted(char[] b, int from, int to) {
        if (unquoted.length < to - from) {
            unquoted = new char[Math.max(to - from, 2 * unquoted.length)];
        }
        char[] u = unquoted;
        cells = u;
        int w = 0;
        int n = 0;
        int cellStart = 0;
        boolean quoted = false;
        for (int i = from; i < to; i++) {
            char c = b[i];
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < to && b[i + 1] == '"') {
                        u[w++] = '"';
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    u[w++] = c;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                if (n < columns) {
                    off[n] = cellStart;
                    len[n] = w - cellStart;
                }
                n++;
                cellStart = w;
            } else {
                u[w++] = c;
            }
        }
        if (n < columns) {
            off[n] = cellStart;
            len[n] = w - cellStart;
        }
        return n + 1;
    }

    /** RFC 4180 splitting of one line. */
    static void splitInto(String text, List<String> out) {
        StringBuilder b = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        b.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    b.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        out.add(b.toString());
    }

    @Override
    public long position() {
        return counting.count();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
