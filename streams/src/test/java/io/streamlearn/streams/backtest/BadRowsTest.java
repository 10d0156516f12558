package io.streamlearn.streams.backtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BadRowsTest {

    @TempDir
    Path dir;

    private static final String CSV = String.join("\n",
            "key,ts,label,f1,f2",            // 1
            "a,1000,1.0,0.5,2",              // 2 ok
            "a,2000,2.0,abc,1",              // 3 unparseable number
            "a,3000,3.0,1",                  // 4 wrong column count
            "b,1970-01-01T00:00:01Z,1.0,1,1", // 5 ok (ISO time)
            "a,2500,2.0,1,1",                // 6 ok
            "a,2400,1.0,1,1",                // 7 time backwards for a
            "a,4000,NaN,1,1",                // 8 non-finite label
            "a,5000,1.0,Infinity,1",         // 9 non-finite feature
            ",6000,1.0,1,1",                 // 10 empty key
            "a,7000,1.0,1,1e200",            // 11 absurd feature
            "a,yesterday,1.0,1,1",           // 12 bad timestamp
            "a,8000,,1,",                    // 13 ok: predict only, f2 missing
            "");

    private Path input() throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, CSV);
        return f;
    }

    @Test
    void shouldSkipAndReportEachBadRowWithItsLineNumber() throws IOException {
        Path out = dir.resolve("out.csv");
        BacktestCli run = BacktestCli.run("--input", input().toString(), "--model", "sgd", "--output", out.toString());
        assertEquals(0, run.exitCode, run.err);
        String[][] expected = {
                {"3", "unparseable number 'abc' for f1"},
                {"4", "expected 5 columns, got 4"},
                {"7", "time goes backwards for key 'a'"},
                {"8", "non-finite label"},
                {"9", "non-finite f1"},
                {"10", "empty key"},
                {"11", "absurd feature f2"},
                {"12", "bad timestamp 'yesterday'"},
        };
        for (String[] e : expected) {
            assertTrue(run.err.contains("line " + e[0] + ": " + e[1]), "line " + e[0] + " in:\n" + run.err);
        }
        for (String good : new String[] {"2", "5", "6", "13"}) {
            assertFalse(run.err.contains("line " + good + ":"), "line " + good + " is good:\n" + run.err);
        }
        assertTrue(run.out.contains("rows 12: 4 scored (3 labelled, 1 predict only), 8 bad"), run.out);
        List<BacktestCli.OutRow> rows = BacktestCli.readOutput(out);
        assertEquals(4 * 3, rows.size(), "one row per good input row per model");
        assertEquals(List.of(1000L, 1000L, 2500L, 8000L),
                rows.stream().filter(r -> r.model().equals("sgd")).map(BacktestCli.OutRow::ts).toList());
        // the skipped rows taught nothing: last for a at 2500 is still the label of line 2
        assertEquals(1.0, rows.stream().filter(r -> r.ts() == 2500 && r.model().equals("last")).findFirst().orElseThrow().prediction());
    }

    /**
     * A row dated more than {@code streamlearn.max-future} (1 h) ahead of the wall clock is a bad row, as
     * live dead-letters it ({@code future-timestamp}); with the guard off it is scored.
     */
    @Test
    void shouldRefuseARowFarInTheFutureAsLiveDoes() throws IOException {
        long now = System.currentTimeMillis();
        Path f = dir.resolve("future.csv");
        Files.writeString(f, String.join("\n", "key,ts,label,f1", "a,1000,1.0,1", "a," + (now + 10L * 365 * 86_400_000L) + ",2.0,1",
                "b," + (now + 60_000L) + ",3.0,1", ""));
        BacktestCli run = BacktestCli.run("--input", f.toString(), "--model", "sgd");
        assertEquals(0, run.exitCode, run.err);
        assertTrue(run.err.contains("line 3: future-timestamp: event time "), run.err);
        assertTrue(run.err.contains("streamlearn.max-future=PT1H"), run.err);
        assertTrue(run.out.contains("rows 3: 2 scored"), run.out);
        BacktestCli off = BacktestCli.run("--input", f.toString(), "--model", "sgd", "--set", "streamlearn.max-future=0");
        assertEquals(0, off.exitCode, off.err);
        assertTrue(off.out.contains("rows 3: 3 scored"), off.out);
    }

    @Test
    void shouldStopAtTheFirstBadRowWhenStrict() throws IOException {
        Path out = dir.resolve("strict.csv");
        BacktestCli run = BacktestCli.run("--input", input().toString(), "--model", "sgd", "--strict", "--output", out.toString());
        assertNotEquals(0, run.exitCode);
        assertTrue(run.err.contains("line 3: unparseable number 'abc' for f1"), run.err);
        assertFalse(run.err.contains("line 4"), run.err);
        assertFalse(run.out.contains("model "), "no table after a strict stop");
    }

    @Test
    void shouldRefuseBadArgumentsWithUsageExitCode() throws IOException {
        assertEquals(2, BacktestCli.run("--input", input().toString(), "--model", "sgd", "--label-delay", "soon").exitCode);
        assertEquals(2, BacktestCli.run("--input", input().toString(), "--model", "nosuchmodel").exitCode);
        assertEquals(2, BacktestCli.run("--input", dir.resolve("missing.csv").toString(), "--model", "sgd").exitCode, "a wrong command line");
        Path wrongHeader = dir.resolve("h.csv");
        Files.writeString(wrongHeader, "id,time,y\n1,2,3\n");
        BacktestCli run = BacktestCli.run("--input", wrongHeader.toString(), "--model", "sgd");
        assertEquals(1, run.exitCode);
        assertTrue(run.err.contains("header must start with key,ts,label"), run.err);
    }
}
