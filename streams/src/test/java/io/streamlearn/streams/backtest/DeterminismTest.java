package io.streamlearn.streams.backtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeterminismTest {

    @TempDir
    Path dir;

    @Test
    void shouldWriteByteIdenticalOutputAndReportOnTwoRuns() throws IOException {
        Path input = BacktestCli.dataset("beijing_air_quality.csv.gz");
        byte[][] outputs = new byte[2][];
        byte[][] reports = new byte[2][];
        String[] tables = new String[2];
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("out" + i + ".csv");
            Path report = dir.resolve("report" + i + ".html");
            BacktestCli run = BacktestCli.run("--input", input.toString(), "--model", "sgd:lr=0.05", "--model", "sgd",
                    "--label-delay", "3h", "--limit", "24000", "--output", out.toString(), "--report", report.toString());
            assertEquals(0, run.exitCode, run.err);
            outputs[i] = Files.readAllBytes(out);
            reports[i] = Files.readAllBytes(report);
            tables[i] = run.out;
        }
        assertTrue(outputs[0].length > 24000 * 20);
        assertArrayEquals(outputs[0], outputs[1], "output");
        assertArrayEquals(reports[0], reports[1], "report");
        assertEquals(tables[0], tables[1]);
    }
}
