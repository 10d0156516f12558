package io.streamlearn.streams.backtest;

import io.streamlearn.streams.decode.Timestamps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The buffered CSV reader against a reference written the plain way ({@link BufferedReader#readLine},
 * {@link String#split}-like cutting, {@link Double#parseDouble}, {@link Timestamps#parse(String)}): the
 * same events, the same bits, the same lines, on every CSV file of {@code datasets/} and on a file of
 * edge cases (CRLF and lone CR line ends, blank lines, quotes, a byte-order mark, no final line end, a line
 * longer than the buffer, bad rows).
 */
class CsvReaderEquivalenceTest {

    @TempDir
    Path dir;

    @Test
    void shouldReadEveryDatasetAsTheReferenceDoes() throws IOException {
        int files = 0;
        try (var list = Files.list(BacktestCli.dataset("bike_sharing_hourly.csv").getParent())) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(".csv") || name.endsWith(".csv.gz")) {
                    long rows = compare(p);
                    assertTrue(rows > 10_000, name + ": " + rows);
                    files++;
                }
            }
        }
        assertTrue(files >= 2, "dataset files: " + files);
    }

    @Test
    void shouldReadEdgeCasesAsTheReferenceDoes() throws IOException {
        StringBuilder b = new StringBuilder("\uFEFFkey,ts,label,a,b\r\n");
        b.append("k1,1000,1.5,2,3\r\n");
        b.append("\r\n");
        b.append("k2,2013-02-28T16:00:00Z,,0x1p3,-0\r");
        b.append("\"k,3\",2013-02-28T17:00:00.250+01:00,\"2\",\"1\"\"\",4\n");
        b.append("\n\n");
        b.append("k1,1001,2, 7 ,1e-320\n");
        b.append("k4,1002,1,0.").append("1".repeat(200_000)).append(",2\n");
        b.append("k5,1003,3,,\n");
        b.append("k6,1004,3,1,2,3\n");              // too many columns
        b.append(",1005,3,1,2\n");                  // empty key
        b.append("k7,yesterday,3,1,2\n");           // bad time
        b.append("k8,1006,x,1,2\n");                // bad label
        b.append("k9,1007,1,NaN,2\n");              // non-finite
        b.append("k10,1008,1,1e999,2\n");           // non-finite
        b.append("ключ,1009,1,1,2");                // no final line end, non-ASCII key
        Path p = dir.resolve("edge.csv");
        Files.writeString(p, b, StandardCharsets.UTF_8);
        assertEquals(6, compare(p));   // k1, k2, k1, k4, k5, ключ
    }

    /** Compares both readers row by row; returns the good rows. */
    private static long compare(Path file) throws IOException {
        long good = 0;
        try (CsvEventSource fast = CsvEventSource.open(file, null); Reference ref = new Reference(file, fast.featureNames())) {
            BacktestEvent e = new BacktestEvent();
            Map<String, String> keys = new HashMap<>();
            while (true) {
                Object expected = ref.next();
                Object actual;
                try {
                    actual = fast.next(e) ? e : null;
                } catch (BadRowException bad) {
                    actual = bad;
                }
                if (expected == null) {
                    assertEquals(null, actual);
                    return good;
                }
                if (expected instanceof BadRowException x) {
                    BadRowException y = assertInstance(actual);
                    assertEquals(x.getMessage(), y.getMessage());
                    continue;
                }
                BacktestEvent x = (BacktestEvent) expected;
                String where = file.getFileName() + " line " + x.line;
                assertEquals(x.key, e.key, where);
                assertSame(keys.computeIfAbsent(e.key, k -> e.key), e.key, where + ": one string per key");
                assertEquals(x.time, e.time, where);
                assertEquals(Double.doubleToRawLongBits(x.label), Double.doubleToRawLongBits(e.label), where);
                assertEquals(x.line, e.line, where);
                assertEquals(x.features.keySet(), e.features.keySet(), where);
                for (Map.Entry<String, Double> f : x.features.entrySet()) {
                    assertEquals(Double.doubleToRawLongBits(f.getValue()), Double.doubleToRawLongBits(e.features.get(f.getKey())),
                            where + " " + f.getKey());
                }
                good++;
            }
        }
    }

    private static BadRowException assertInstance(Object o) {
        assertTrue(o instanceof BadRowException, "expected a bad row, got " + o);
        return (BadRowException) o;
    }

    /** The plain reader, numeric columns only (the datasets have no text column). */
    private static final class Reference implements AutoCloseable {
        private final BufferedReader in;
        private final List<String> features;
        private long line = 1;

        Reference(Path file, List<String> features) throws IOException {
            InputStream raw = Files.newInputStream(file);
            InputStream s = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
            this.in = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8));
            this.features = features;
            in.readLine();
        }

        Object next() throws IOException {
            String text;
            do {
                text = in.readLine();
                line++;
                if (text == null) {
                    return null;
                }
            } while (text.isEmpty());
            List<String> f = split(text);
            if (f.size() != features.size() + 3) {
                return new BadRowException(line, "expected " + (features.size() + 3) + " columns, got " + f.size());
            }
            if (f.get(0).isEmpty()) {
                return new BadRowException(line, "empty key");
            }
            BacktestEvent e = new BacktestEvent();
            try {
                e.time = Timestamps.parse(f.get(1));
            } catch (IllegalArgumentException x) {
                return new BadRowException(line, x.getMessage());
            }
            try {
                e.label = f.get(2).isEmpty() ? Double.NaN : number(f.get(2), "label");
                for (int i = 3; i < f.size(); i++) {
                    if (!f.get(i).isEmpty()) {
                        e.features.put(features.get(i - 3), number(f.get(i), features.get(i - 3)));
                    }
                }
            } catch (BadRowException bad) {
                return bad;
            }
            e.key = f.get(0);
            e.line = line;
            return e;
        }

        private double number(String s, String what) throws BadRowException {
            double v;
            try {
                v = Double.parseDouble(s);
            } catch (NumberFormatException x) {
                throw new BadRowException(line, "unparseable number '" + s + "' for " + what);
            }
            if (!Double.isFinite(v)) {
                throw new BadRowException(line, "non-finite " + what + " '" + s + "'");
            }
            return v;
        }

        private static List<String> split(String text) {
            List<String> out = new ArrayList<>();
            StringBuilder b = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (quoted && c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    b.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (c == ',' && !quoted) {
                    out.add(b.toString());
                    b.setLength(0);
                } else {
                    b.append(c);
                }
            }
            out.add(b.toString());
            return out;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
