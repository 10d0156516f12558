package io.streamlearn.streams.backtest;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repository's datasets (Beijing, bike sharing) and a generated stand-in for Elec2 through {@code streamlearn backtest} with every learner family on the
 * classpath; the printed metrics are checked against a recomputation from the --output file and the
 * input's own labels, done here without the product's metric classes.
 */
class BacktestDatasetsTest {

    @TempDir
    Path dir;

    /**
     * Every readout registered, with default parameters (sgd, and whatever else has landed), plus one
     * spec per recurrent memory family, whose state changes on unlabelled events too.
     */
    private static List<String> families() {
        List<String> specs = new ArrayList<>(Learners.names());
        specs.remove("mean");
        specs.remove("last");
        // the order is the registry's (sorted); make sgd the champion so it is always present
        specs.remove("sgd");
        specs.add(0, "sgd");
        for (String memory : io.streamlearn.learn.memory.Memories.factories().keySet()) {
            specs.add(memory + "+sgd");
        }
        return specs;
    }

    private static List<String> args(Path input, Path output, List<String> models, String... more) {
        List<String> a = new ArrayList<>(List.of("--input", input.toString(), "--output", output.toString()));
        for (String m : models) {
            a.add("--model");
            a.add(m);
        }
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void shouldPrintRegressionMetricsEqualToARecomputationOnTheFullBikeDataset() throws IOException {
        Path input = BacktestCli.dataset("bike_sharing_hourly.csv");
        Path output = dir.resolve("bike.csv");
        List<String> models = families();
        BacktestCli run = BacktestCli.run(args(input, output, models).toArray(new String[0]));
        assertEquals(0, run.exitCode, run.err);
        List<BacktestCli.InRow> in = BacktestCli.readInput(input, Integer.MAX_VALUE);
        assertEquals(17_379, in.size());
        checkRegression(run, in, BacktestCli.readOutput(output), models);
        assertTrue(run.out.contains("rows 17379: 17379 scored (17379 labelled, 0 predict only), 0 bad"), run.out);
    }

    @Test
    void shouldHandleMissingLabelsAndFeaturesOnBeijingAcrossTwelveKeys() throws IOException {
        Path input = BacktestCli.dataset("beijing_air_quality.csv.gz");
        Path output = dir.resolve("beijing.csv");
        List<String> models = families();
        BacktestCli run = BacktestCli.run(args(input, output, models, "--limit", "60000").toArray(new String[0]));
        assertEquals(0, run.exitCode, run.err);
        List<BacktestCli.InRow> in = BacktestCli.readInput(input, 60_000);
        List<BacktestCli.OutRow> out = BacktestCli.readOutput(output);
        checkRegression(run, in, out, models);
        long unlabelled = in.stream().filter(r -> Double.isNaN(r.label())).count();
        assertTrue(unlabelled > 0, "the first 60000 Beijing rows include rows without a label");
        assertTrue(run.out.contains("(" + (60_000 - unlabelled) + " labelled, " + unlabelled + " predict only)"), run.out);
        assertTrue(run.out.contains("12 keys"), run.out);
    }

    @Test
    void shouldPrintClassificationMetricsEqualToARecomputationOnAnElec2ShapedStream() throws IOException {
        // Elec2 itself is not redistributed (no licence): a generated stand-in of its shape
        Path input = Elec2Like.write(dir.resolve("elec2-like.csv"), 8_000, 7);
        Path output = dir.resolve("elec2.csv");
        List<String> models = families();
        int n = 8_000;
        BacktestCli run = BacktestCli.run(args(input, output, models, "--limit", Integer.toString(n)).toArray(new String[0]));
        assertEquals(0, run.exitCode, run.err);
        assertTrue(run.out.contains("labels are 0/1"), run.out);
        List<BacktestCli.InRow> in = BacktestCli.readInput(input, n);
        List<BacktestCli.OutRow> out = BacktestCli.readOutput(output);
        List<String> all = withBaselines(models);
        assertEquals(n * all.size(), out.size());
        Map<String, Map<String, Double>> table = run.table();
        double[] mseOf = new double[all.size()];
        for (int m = 0; m < all.size(); m++) {
            double ll = 0;
            double correct = 0;
            double se = 0;
            double wins = 0;
            long pairs = 0;
            List<double[]> pos = new ArrayList<>();
            List<double[]> neg = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                BacktestCli.OutRow o = out.get(i * all.size() + m);
                assertEquals(all.get(m), o.model());
                double y = in.get(i).label();
                double p = o.prediction();
                double q = Math.min(Math.max(p, 1e-15), 1 - 1e-15);
                ll += y == 1 ? -Math.log(q) : -Math.log(1 - q);
                correct += ((p >= 0.5) == (y == 1)) ? 1 : 0;
                se += (p - y) * (p - y);
                (y == 1 ? pos : neg).add(new double[] {p});
            }
            for (double[] a : pos) {
                for (double[] b : neg) {
                    pairs++;
                    wins += a[0] > b[0] ? 1 : a[0] == b[0] ? 0.5 : 0;
                }
            }
            Map<String, Double> row = table.get(all.get(m));
            close(ll / n, row.get("logloss"), all.get(m) + " logloss");
            close(correct / n, row.get("accuracy"), all.get(m) + " accuracy");
            close(wins / pairs, row.get("auc"), all.get(m) + " auc");
            close(se / n, row.get("brier"), all.get(m) + " brier");
            mseOf[m] = se / n;
        }
        for (int m = 0; m < all.size(); m++) {
            Map<String, Double> row = table.get(all.get(m));
            close(1 - mseOf[m] / mseOf[all.indexOf("mean")], row.get("skill_mean"), all.get(m) + " skill_mean");
            close(1 - mseOf[m] / mseOf[all.indexOf("last")], row.get("skill_last"), all.get(m) + " skill_last");
        }
    }

    private static List<String> withBaselines(List<String> models) {
        List<String> all = new ArrayList<>(models);
        all.add("mean");
        all.add("last");
        return all;
    }

    private static void checkRegression(BacktestCli run, List<BacktestCli.InRow> in, List<BacktestCli.OutRow> out,
                                        List<String> models) {
        List<String> all = withBaselines(models);
        assertEquals(in.size() * all.size(), out.size(), "one output row per input row per model");
        Map<String, Map<String, Double>> table = run.table();
        double[] mse = new double[all.size()];
        for (int m = 0; m < all.size(); m++) {
            double se = 0;
            double ae = 0;
            double sum = 0;
            int count = 0;
            int intervals = 0;
            int in80 = 0;
            int in95 = 0;
            for (int i = 0; i < in.size(); i++) {
                BacktestCli.OutRow o = out.get(i * all.size() + m);
                assertEquals(all.get(m), o.model());
                assertEquals(in.get(i).key(), o.key());
                double y = in.get(i).label();
                if (Double.isNaN(y)) {
                    continue;
                }
                if (o.stddev() > 0) {
                    // the standard normal quantiles 0.9 and 0.975
                    intervals++;
                    in80 += Math.abs(y - o.prediction()) <= 1.2815515655446004 * o.stddev() ? 1 : 0;
                    in95 += Math.abs(y - o.prediction()) <= 1.959963984540054 * o.stddev() ? 1 : 0;
                }
                se += (o.prediction() - y) * (o.prediction() - y);
                ae += Math.abs(o.prediction() - y);
                sum += y;
                count++;
            }
            double mean = sum / count;
            double sst = 0;
            for (BacktestCli.InRow r : in) {
                if (!Double.isNaN(r.label())) {
                    sst += (r.label() - mean) * (r.label() - mean);
                }
            }
            Map<String, Double> row = table.get(all.get(m));
            assertEquals(count, row.get("rows").intValue(), all.get(m) + " rows");
            close(se / count, row.get("mse"), all.get(m) + " mse");
            close(ae / count, row.get("mae"), all.get(m) + " mae");
            close(1 - se / sst, row.get("r2"), all.get(m) + " r2");
            if (intervals == 0) {
                assertTrue(Double.isNaN(row.get("cover80")) && Double.isNaN(row.get("cover95")), all.get(m) + ": no stddev");
            } else {
                close(in80 / (double) intervals, row.get("cover80"), all.get(m) + " cover80");
                close(in95 / (double) intervals, row.get("cover95"), all.get(m) + " cover95");
            }
            mse[m] = se / count;
        }
        for (int m = 0; m < all.size(); m++) {
            Map<String, Double> row = table.get(all.get(m));
            close(1 - mse[m] / mse[all.indexOf("mean")], row.get("skill_mean"), all.get(m) + " skill_mean");
            close(1 - mse[m] / mse[all.indexOf("last")], row.get("skill_last"), all.get(m) + " skill_last");
        }
    }

    /** The table prints six significant digits. */
    private static void close(double expected, double printed, String what) {
        if (expected == 0) {
            assertEquals(0.0, printed, 1e-12, what);
        } else {
            assertEquals(expected, printed, 1e-5 * Math.abs(expected) + 1e-12, what);
        }
    }

    @Test
    void shouldPredictBitForBitWhatADirectTestThenTrainLoopOverEachKeysLearnerPredicts() throws IOException {
        // reference: one learner state per (key, model) held in memory, no codec, no store
        Path input = BacktestCli.dataset("beijing_air_quality.csv.gz");
        Path output = dir.resolve("direct.csv");
        int n = 20_000;
        List<String> models = families();
        BacktestCli run = BacktestCli.run(args(input, output, models, "--limit", Integer.toString(n)).toArray(new String[0]));
        assertEquals(0, run.exitCode, run.err);
        List<BacktestCli.InRow> in = BacktestCli.readInput(input, n);
        List<BacktestCli.OutRow> out = BacktestCli.readOutput(output);
        List<String> names = List.of("PM10", "SO2", "NO2", "CO", "O3", "TEMP", "PRES", "DEWP", "RAIN", "WSPM", "wd_sin", "wd_cos");
        List<String> all = withBaselines(models);
        Map<String, ModelState> states = new HashMap<>();
        List<Learner> learners = new ArrayList<>();
        for (String m : all) {
            learners.add(Learners.create(m, names.size()));
        }
        Prediction p = new Prediction();
        for (int i = 0; i < n; i++) {
            BacktestCli.InRow r = in.get(i);
            double[] x = new double[names.size()];
            for (int j = 0; j < x.length; j++) {
                Double v = r.features().get(names.get(j));
                x[j] = v == null ? 0.0 : v;
            }
            long t = java.time.Instant.parse(r.ts()).toEpochMilli();
            for (int m = 0; m < all.size(); m++) {
                Learner l = learners.get(m);
                ModelState s = states.computeIfAbsent(r.key() + "/" + all.get(m), k -> l.newState());
                l.predict(s, x, t, p);
                BacktestCli.OutRow o = out.get(i * all.size() + m);
                assertEquals(Double.doubleToRawLongBits(p.mean()), Double.doubleToRawLongBits(o.prediction()),
                        "row " + i + " model " + all.get(m) + ": " + p.mean() + " vs " + o.prediction());
                assertEquals(t, o.ts());
                l.observe(s, x, t);
                if (!Double.isNaN(r.label())) {
                    l.learn(s, x, t, r.label());
                }
            }
        }
    }
}
