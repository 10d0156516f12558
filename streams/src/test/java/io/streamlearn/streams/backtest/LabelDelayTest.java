package io.streamlearn.streams.backtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With a label delay, no prediction uses a label before it is due. The {@code last} baseline makes a
 * leak visible: it predicts exactly the latest label it has learned, so any label learned early
 * changes the prediction.
 */
class LabelDelayTest {

    @TempDir
    Path dir;

    /** Two keys interleaved, a label on every event but one, times sorted; delay 2000 ms. */
    private Path stream() throws IOException {
        StringBuilder b = new StringBuilder("key,ts,label,x\n");
        for (int i = 0; i < 20; i++) {
            long ta = i * 1000L;
            b.append("a,").append(ta).append(',').append(i == 7 ? "" : Integer.toString(10 + i)).append(',').append(i).append('\n');
            b.append("b,").append(ta + 500).append(',').append(100 + i).append(',').append(-i).append('\n');
        }
        Path f = dir.resolve("delay.csv");
        Files.writeString(f, b.toString());
        return f;
    }

    /** The latest label of key a (events at i*1000, label 10+i, none at i=7) due strictly before time T. */
    private static double expectedLastForA(long time, long delay) {
        double last = 0.0;
        for (int i = 0; i < 20; i++) {
            long t = i * 1000L;
            if (i != 7 && t + delay < time) {
                last = 10 + i;
            }
        }
        return last;
    }

    private static double expectedMeanForB(long time, long delay) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < 20; i++) {
            long t = i * 1000L + 500;
            if (t + delay < time) {
                sum += 100 + i;
                n++;
            }
        }
        return n == 0 ? 0.0 : sum / n;
    }

    @Test
    void shouldNeverUseALabelBeforeItIsDue() throws IOException {
        Path in = stream();
        Path out = dir.resolve("out.csv");
        BacktestCli run = BacktestCli.run("--input", in.toString(), "--model", "sgd", "--label-delay", "2s",
                "--output", out.toString());
        assertEquals(0, run.exitCode, run.err);
        List<BacktestCli.OutRow> rows = BacktestCli.readOutput(out);
        int checked = 0;
        for (BacktestCli.OutRow r : rows) {
            if (r.key().equals("a") && r.model().equals("last")) {
                assertEquals(expectedLastForA(r.ts(), 2000), r.prediction(), "last for a at " + r.ts());
                checked++;
            }
            if (r.key().equals("b") && r.model().equals("mean")) {
                assertEquals(expectedMeanForB(r.ts(), 2000), r.prediction(), 1e-12, "mean for b at " + r.ts());
            }
        }
        assertEquals(20, checked);
        // the boundary: at exactly t + delay the label of t is not yet due
        assertEquals(0.0, find(rows, "a", 2000, "last"));
        assertEquals(10.0, find(rows, "a", 3000, "last"));
        assertTrue(run.out.contains("label delay 2000 ms"), run.out);
    }

    @Test
    void shouldDifferFromImmediateLearningSoTheCheckAboveCanFail() throws IOException {
        Path in = stream();
        Path out = dir.resolve("now.csv");
        BacktestCli run = BacktestCli.run("--input", in.toString(), "--model", "sgd", "--output", out.toString());
        assertEquals(0, run.exitCode, run.err);
        List<BacktestCli.OutRow> rows = BacktestCli.readOutput(out);
        // without a delay the previous label is used at once
        assertEquals(10.0, find(rows, "a", 1000, "last"));
        assertNotEquals(expectedLastForA(1000, 2000), find(rows, "a", 1000, "last"));
        // the unlabelled event at 7000 teaches nothing: at 8000 the last label is still that of 6000
        assertEquals(16.0, find(rows, "a", 8000, "last"));
    }

    @Test
    void shouldLearnALabelDueBeforeAnotherKeysEventAdvancesStreamTime() throws IOException {
        // a at 0 (due at 1000 with a 1 s delay); b at 1001 advances stream time past 1000; then a at 1002
        Path in = dir.resolve("stream-time.csv");
        Files.writeString(in, "key,ts,label,x\na,0,5,1\nb,1001,7,1\na,1002,9,1\na,1003,11,1\n");
        Path out = dir.resolve("st.csv");
        BacktestCli run = BacktestCli.run("--input", in.toString(), "--model", "last", "--label-delay", "1000ms",
                "--output", out.toString());
        assertEquals(0, run.exitCode, run.err);
        List<BacktestCli.OutRow> rows = BacktestCli.readOutput(out);
        assertEquals(5.0, find(rows, "a", 1002, "last"), "due at 1000 < stream time 1002");
        assertEquals(5.0, find(rows, "a", 1003, "last"), "the label of 1002 is due only at 2002");
        assertTrue(run.out.contains("1 labels learned late, 3 pending at the end"), run.out);
    }

    private static double find(List<BacktestCli.OutRow> rows, String key, long ts, String model) {
        List<Double> found = new ArrayList<>();
        for (BacktestCli.OutRow r : rows) {
            if (r.key().equals(key) && r.ts() == ts && r.model().equals(model)) {
                found.add(r.prediction());
            }
        }
        assertEquals(1, found.size(), key + "@" + ts + " " + model);
        return found.get(0);
    }
}
