package io.streamlearn.streams.backtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backtest shows each model's state per key, and auto's candidates' weights and state bytes. */
class StateSummaryTest {

    @TempDir
    Path dir;

    @Test
    void shouldShowStatePerKeyAndAutosCandidateWeights() throws Exception {
        Path report = dir.resolve("report.html");
        BacktestCli run = BacktestCli.run("--input", BacktestCli.dataset("bike_sharing_hourly.csv").toString(),
                "--limit", "600", "--model", "auto", "--model", "kalman", "--report", report.toString());
        assertEquals(0, run.exitCode, run.err);
        assertTrue(run.table().containsKey("auto"), "the table on stdout is unchanged in shape");
        Matcher bytes = Pattern.compile("(?m)^  (auto|kalman) +([0-9,]+) / ([0-9,]+)$").matcher(run.err);
        int models = 0;
        while (bytes.find()) {
            models++;
            long mean = Long.parseLong(bytes.group(2).replace(",", ""));
            assertTrue(mean > (bytes.group(1).equals("auto") ? 10_000 : 500), bytes.group());
        }
        assertEquals(2, models, run.err);
        Matcher w = Pattern.compile("(?m)^  (\\S+) +weight ([0-9.]+) +([0-9,]+) bytes$").matcher(run.err);
        double sum = 0;
        int candidates = 0;
        while (w.find()) {
            candidates++;
            sum += Double.parseDouble(w.group(2));
            assertTrue(Long.parseLong(w.group(3).replace(",", "")) > 0, w.group());
        }
        assertEquals(5, candidates, run.err);
        assertEquals(1.0, sum, 0.003, "the weights of the one key sum to 1: " + run.err);
        assertTrue(run.err.contains("mean over 1 keys (0 mixing 0/1 labels as probabilities)"), run.err);
        String html = Files.readString(report);
        assertTrue(html.contains("<h2>State per key</h2>") && html.contains("lags:p=24,split=none+profile"), "in the report too");
    }
}
