package io.streamlearn.streams.backtest;

import io.streamlearn.streams.score.PriorSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backtest with its partitions scored on several threads gives the output, metrics, per-key
 * figures, counters and bad rows of the one-thread run, bit for bit and in file order.
 */
class BacktestParallelIdentityTest {

    @TempDir
    Path dir;

    @Test
    void shouldGiveTheOneThreadResultOnBeijingWithFourPartitions() throws IOException, BadRowException {
        Path input = BacktestCli.dataset("beijing_air_quality.csv.gz");
        List<String> models = List.of("kalman", "sgd");
        Run one = run(input, models, 4, 1, 30_000);
        Run three = run(input, models, 4, 3, 30_000);
        assertTrue(one.output.length() > 1_000_000, "output " + one.output.length());
        assertEquals(one.output, three.output);
        assertEquals(one.table, three.table);
        assertEquals(one.result.events(), three.result.events());
        assertEquals(one.result.counters().priorStarts(), three.result.counters().priorStarts());
        assertTrue(one.result.counters().priorStarts() > 0, "the population prior was used");
        assertEquals(one.result.counters().freshStates(), three.result.counters().freshStates());
    }

    @Test
    void shouldReportTheSameBadRowsInFileOrder() throws IOException, BadRowException {
        StringBuilder b = new StringBuilder("key,ts,label,a,b\n");
        for (int i = 0; i < 3 * Backtest.CHUNK; i++) {
            String key = "k" + (i % 37);
            long t = 1000L * i;
            if (i % 101 == 5) {
                b.append(key).append(',').append(t - 50_000).append(",1,1,2\n");   // backwards in time
            } else if (i % 211 == 7) {
                b.append(key).append(',').append(t).append(",1,1e300,2\n");        // absurd feature
            } else if (i % 307 == 9) {
                b.append(key).append(",soon,1,1,2\n");                              // bad time
            } else {
                b.append(key).append(',').append(t).append(',').append(i % 13).append(',').append(i % 7)
                        .append(',').append(i % 5 == 0 ? "" : Integer.toString(i % 3)).append('\n');
            }
        }
        Path input = dir.resolve("bad.csv");
        Files.writeString(input, b, StandardCharsets.UTF_8);
        List<String> models = List.of("sgd");
        Run one = run(input, models, 5, 1, Long.MAX_VALUE);
        Run two = run(input, models, 5, 2, Long.MAX_VALUE);
        assertTrue(one.result.badRows() > 50, "bad rows " + one.result.badRows());
        assertEquals(one.result.badRows(), two.result.badRows());
        assertEquals(one.result.badRowLines().stream().map(Throwable::getMessage).toList(),
                two.result.badRowLines().stream().map(Throwable::getMessage).toList());
        assertEquals(one.output, two.output);
        assertEquals(one.table, two.table);
        assertTrue(two.result.counters().priorStarts() > 0, "the population prior was used");
        assertEquals(one.result.counters().priorStarts(), two.result.counters().priorStarts());
        Run limited = run(input, models, 5, 2, 5_000);
        Run limitedOne = run(input, models, 5, 1, 5_000);
        assertEquals(limitedOne.output, limited.output);
        assertEquals(5_000, limited.result.rows());
    }

    private record Run(String output, String table, BacktestResult result) {
    }

    private static Run run(Path input, List<String> models, int partitions, int threads, long limit)
            throws IOException, BadRowException {
        StringWriter out = new StringWriter();
        // a population prior from 2 keys, so that the 12 Beijing keys also start from their partition's prior
        Backtest.Config config = new Backtest.Config(models).partitions(partitions).threads(threads).limit(limit).output(out)
                .prior(new PriorSettings(true, 2, PriorSettings.DEFAULT_EVERY));
        try (EventSource in = EventSources.open(input, null)) {
            BacktestResult r = new Backtest(config).run(in);
            return new Run(out.toString(), MetricsTable.format(r), r);
        }
    }
}
