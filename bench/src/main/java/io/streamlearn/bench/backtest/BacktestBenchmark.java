package io.streamlearn.bench.backtest;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.streams.backtest.Backtest;
import io.streamlearn.streams.backtest.BacktestEvent;
import io.streamlearn.streams.backtest.BacktestResult;
import io.streamlearn.streams.backtest.EventSource;
import io.streamlearn.streams.cli.BacktestCommand;
import io.streamlearn.streams.score.ScoringStep;
import picocli.CommandLine;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Backtest speed, as a plain main (numbers go to {@code bench/results/backtest.md}):
 * <ol>
 *   <li>{@code step}: events per second through {@link ScoringStep#score} alone, {@code sgd} at d = 8,
 *       pre-parsed events over 1000 keys, every event labelled, over an {@link InMemoryModelStore} (state
 *       bytes, as live) and over a {@link io.streamlearn.state.ResidentModelStore} (decoded states, as the
 *       backtest keeps them);</li>
 *   <li>{@code engine}: the same events through {@link Backtest} (step, per-key checks, metrics), from
 *       an in-memory pre-parsed source, with and without a label delay;</li>
 *   <li>{@code e2e}: wall time of {@code streamlearn backtest} from a CSV file to the HTML report.</li>
 * </ol>
 * <pre>{@code
 * java -cp ... io.streamlearn.bench.backtest.BacktestBenchmark datasets/beijing_air_quality.csv.gz sgd
 * }</pre>
 */
public final class BacktestBenchmark {

    static final int D = 8;
    static final int KEYS = 1000;
    static final int RING = 1 << 16;

    private BacktestBenchmark() {
    }

    /** Pre-parsed events: key, time, features, label. */
    static final class Data {
        final String[] keys = new String[RING];
        final long[] times = new long[RING];
        final List<Map<String, Double>> features = new ArrayList<>(RING);
        final double[] labels = new double[RING];

        Data() {
            SplittableRandom r = new SplittableRandom(17);
            String[] names = new String[KEYS];
            for (int k = 0; k < KEYS; k++) {
                names[k] = "key-" + k;
            }
            double[] w = new double[D];
            for (int i = 0; i < D; i++) {
                w[i] = r.nextGaussian() / Math.sqrt(D);
            }
            for (int n = 0; n < RING; n++) {
                keys[n] = names[r.nextInt(KEYS)];
                times[n] = n;
                Map<String, Double> m = new HashMap<>();
                double y = 0;
                for (int i = 0; i < D; i++) {
                    double x = r.nextGaussian();
                    m.put(FEATURE_NAMES.get(i), x);   // one String per name, as a CSV header gives
                    y += w[i] * x;
                }
                features.add(m);
                labels[n] = y + 0.1 * r.nextGaussian();
            }
        }
    }

    static final List<String> FEATURE_NAMES = names0();

    private static List<String> names0() {
        List<String> n = new ArrayList<>();
        for (int i = 0; i < D; i++) {
            n.add("f" + i);
        }
        return List.copyOf(n);
    }

    static List<String> names() {
        return FEATURE_NAMES;
    }

    static double stepRate(Data data, String spec, long events) {
        return stepRate(data, spec, events, false);
    }

    /** @param resident over the backtest's {@link io.streamlearn.state.ResidentModelStore} (else bytes) */
    static double stepRate(Data data, String spec, long events, boolean resident) {
        ScoringStep step = new ScoringStep(FeatureSpace.ordered(names()), List.of(spec));
        io.streamlearn.state.ModelStore store = resident ? step.residentStore(Long.MAX_VALUE) : new InMemoryModelStore();
        double[] sink = new double[1];
        ScoringStep.Sink s = (model, champion, version, mean, stddev) -> sink[0] += mean;
        long t0 = System.nanoTime();
        for (long n = 0; n < events; n++) {
            int i = (int) (n & (RING - 1));
            step.score(data.keys[i], n, data.features.get(i), data.labels[i], store, s);
        }
        long t1 = System.nanoTime();
        if (sink[0] == 42) {
            System.out.println();
        }
        return events / ((t1 - t0) / 1e9);
    }

    /** A source cycling over the pre-parsed events with increasing times. */
    static final class PreParsed implements EventSource {
        private final Data data;
        private final long events;
        private long n;

        PreParsed(Data data, long events) {
            this.data = data;
            this.events = events;
        }

        @Override
        public List<String> featureNames() {
            return names();
        }

        @Override
        public boolean next(BacktestEvent into) {
            if (n == events) {
                return false;
            }
            int i = (int) (n & (RING - 1));
            into.set(data.keys[i], n, data.features.get(i), data.labels[i], n + 1);
            n++;
            return true;
        }

        @Override
        public long position() {
            return n;
        }

        @Override
        public long size() {
            return events;
        }

        @Override
        public void close() {
        }
    }

    static double engineRate(Data data, List<String> models, long delay, long events) throws Exception {
        Backtest.Config config = new Backtest.Config(models).labelDelayMillis(delay);
        long t0 = System.nanoTime();
        BacktestResult r = new Backtest(config).run(new PreParsed(data, events));
        long t1 = System.nanoTime();
        if (r.events() != events) {
            throw new IllegalStateException("scored " + r.events());
        }
        return events / ((t1 - t0) / 1e9);
    }

    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args.length > 0 ? args[0] : "datasets/beijing_air_quality.csv.gz");
        List<String> e2eModels = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            e2eModels.add(args[i]);
        }
        if (e2eModels.isEmpty()) {
            e2eModels.add("sgd");
        }
        Data data = new Data();
        PrintStream out = System.out;
        out.println("warming up");
        stepRate(data, "sgd", 3_000_000);
        stepRate(data, "sgd", 3_000_000, true);
        engineRate(data, List.of("sgd"), -1, 2_000_000);
        for (int rep = 0; rep < 3; rep++) {
            out.printf(Locale.ROOT, "step   sgd d=8, 1000 keys, state bytes: %,.0f events/s%n", stepRate(data, "sgd", 5_000_000));
            out.printf(Locale.ROOT, "step   sgd d=8, 1000 keys, resident states: %,.0f events/s%n",
                    stepRate(data, "sgd", 5_000_000, true));
        }
        for (int rep = 0; rep < 2; rep++) {
            double rate = engineRate(data, List.of("sgd"), -1, 3_000_000);
            out.printf(Locale.ROOT, "engine sgd (+ mean, last baselines: 3 models), no delay: %,.0f events/s (%,.0f model-events/s)%n",
                    rate, 3 * rate);
        }
        out.printf(Locale.ROOT, "engine sgd (+ baselines), label delay 100 events: %,.0f events/s%n",
                engineRate(data, List.of("sgd"), 100, 3_000_000));
        if (Files.exists(csv)) {
            Path dir = Files.createTempDirectory("backtest-bench");
            List<String> a = new ArrayList<>(List.of("--input", csv.toString(), "--report", dir.resolve("report.html").toString()));
            for (String m : e2eModels) {
                a.add("--model");
                a.add(m);
            }
            for (int rep = 0; rep < 2; rep++) {
                long t0 = System.nanoTime();
                int code = new CommandLine(new BacktestCommand(new PrintStream(java.io.OutputStream.nullOutputStream()), System.err))
                        .execute(a.toArray(new String[0]));
                long t1 = System.nanoTime();
                out.printf(Locale.ROOT, "e2e %s -> report, models %s: %.2f s (exit %d)%n", csv.getFileName(), e2eModels, (t1 - t0) / 1e9, code);
            }
            List<String> withOutput = new ArrayList<>(a);
            withOutput.addAll(List.of("--output", dir.resolve("predictions.csv").toString()));
            long t0 = System.nanoTime();
            new CommandLine(new BacktestCommand(new PrintStream(java.io.OutputStream.nullOutputStream()), System.err))
                    .execute(withOutput.toArray(new String[0]));
            long t1 = System.nanoTime();
            out.printf(Locale.ROOT, "e2e %s -> report + --output, models %s: %.2f s%n", csv.getFileName(), e2eModels, (t1 - t0) / 1e9);
        }
    }
}
