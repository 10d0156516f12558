package io.streamlearn.bench.peers;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.score.PriorSettings;
import io.streamlearn.streams.score.ScoringStep;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * The cold-start benchmark of {@code bench/results/cold-start.md} (issue #14): a generator of short-lived
 * keys drawn from a shared population, its Bayes-optimal oracle, and prequential runs of the product's
 * {@link ScoringStep} with the population prior on and off.
 *
 * <p><b>Generator.</b> {@code K} keys, key k with a lifetime of {@code L_k ~ U{minLife..maxLife}}
 * labelled events, weights and intercept {@code w_k ~ N(mu, tau^2 I)} with a fixed non-zero
 * {@code mu} ({@code mu_i = 1.5, -1, 0.8, -0.5, 1.2, ...}, intercept 2), features {@code x ~ N(0, I)},
 * label {@code y = w_k.[x, 1] + r e}. Keys start one after the other, {@code arrivalMs} apart; a key's
 * events are {@code 1 + Exp(gapMs)} ms apart, so about {@code meanLife * gapMs / arrivalMs} keys are
 * alive at a time; rows are sorted by time (ties by key, then event). Deterministic for a seed.
 *
 * <p><b>Oracle.</b> Per key, exact Bayesian linear regression with the true prior {@code N(mu, tau^2 I)}
 * and the true noise variance {@code r^2} (full-matrix rank-one updates written here, independent of
 * the product's filters): the minimum-MSE predictor of this generator.
 *
 * <p><b>Metrics.</b> "first n": the mean, over the keys that live at least n events, of the squared errors
 * of their first n predictions; "all": the MSE over every row.
 *
 * <pre>{@code
 * mvn -B -q package -pl bench -am -DskipTests
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.peers.ColdStart
 * }</pre>
 */
public final class ColdStart {

    private ColdStart() {
    }

    /** Generator settings. */
    static final class Settings {
        int keys = 4000;
        int dim = 8;
        int minLife = 5;
        int maxLife = 50;
        double tau = 0.5;
        double r = 0.5;
        long arrivalMs = 100;
        double gapMs = 200;
        long seed = 14;
    }

    /** The population mean: weights then intercept. */
    static double[] populationMean(int d) {
        double[] pattern = {1.5, -1.0, 0.8, -0.5, 1.2, -0.8, 0.6, -1.2};
        double[] mu = new double[d + 1];
        for (int i = 0; i < d; i++) {
            mu[i] = pattern[i % pattern.length];
        }
        mu[d] = 2.0;
        return mu;
    }

    /** Generates the stream into PeersRunner's in-memory event layout, plus the oracle's predictions. */
    static PeersRunner.Events generate(Settings s, double[] oracle) {
        SplittableRandom rnd = new SplittableRandom(s.seed);
        int d = s.dim;
        double[] mu = populationMean(d);
        List<long[]> rows = new ArrayList<>();     // {ts, key, event}
        List<double[]> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        double[][] weights = new double[s.keys][];
        for (int k = 0; k < s.keys; k++) {
            double[] w = new double[d + 1];
            for (int i = 0; i <= d; i++) {
                w[i] = mu[i] + s.tau * rnd.nextGaussian();
            }
            weights[k] = w;
            int life = s.minLife + rnd.nextInt(s.maxLife - s.minLife + 1);
            long t = 1_700_000_000_000L + k * s.arrivalMs;
            for (int j = 0; j < life; j++) {
                double[] x = new double[d];
                double y = w[d];
                for (int i = 0; i < d; i++) {
                    x[i] = SyntheticStreams.round6(rnd.nextGaussian());
                    y += w[i] * x[i];
                }
                y = SyntheticStreams.round6(y + s.r * rnd.nextGaussian());
                rows.add(new long[] {t, k, j, xs.size()});
                xs.add(x);
                ys.add(y);
                t += 1 + (long) (-s.gapMs * Math.log(1 - rnd.nextDouble()));
            }
        }
        rows.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
        PeersRunner.Events ev = new PeersRunner.Events();
        for (int i = 0; i < d; i++) {
            ev.featureNames.add("f" + (i + 1));
        }
        ev.rows = rows.size();
        ev.ts = new long[ev.rows];
        ev.labels = new double[ev.rows];
        ev.features = new double[ev.rows][];
        String[] names = SyntheticStreams.keyNames(s.keys);
        for (int i = 0; i < ev.rows; i++) {
            long[] row = rows.get(i);
            ev.keys.add(names[(int) row[1]]);
            ev.ts[i] = row[0];
            ev.features[i] = xs.get((int) row[3]);
            ev.labels[i] = ys.get((int) row[3]);
        }
        if (oracle != null) {
            bayes(ev, mu, s.tau * s.tau, s.r * s.r, oracle);
        }
        return ev;
    }

    /** Per-key exact Bayesian linear regression with prior N(mu, v0 I) and noise variance r2. */
    static void bayes(PeersRunner.Events ev, double[] mu, double v0, double r2, double[] out) {
        int p = mu.length;
        Map<String, double[][]> post = new HashMap<>();
        double[] z = new double[p];
        double[] u = new double[p];
        for (int n = 0; n < ev.rows; n++) {
            double[][] s = post.computeIfAbsent(ev.keys.get(n), k -> {
                double[][] m = new double[p + 1][];
                m[0] = mu.clone();
                for (int i = 0; i < p; i++) {
                    m[i + 1] = new double[p];
                    m[i + 1][i] = v0;
                }
                return m;
            });
            double[] m = s[0];
            System.arraycopy(ev.features[n], 0, z, 0, p - 1);
            z[p - 1] = 1.0;
            double f = 0;
            for (int i = 0; i < p; i++) {
                f += m[i] * z[i];
            }
            out[n] = f;
            double q = r2;
            for (int i = 0; i < p; i++) {
                double ui = 0;
                for (int j = 0; j < p; j++) {
                    ui += s[i + 1][j] * z[j];
                }
                u[i] = ui;
                q += ui * z[i];
            }
            double e = ev.labels[n] - f;
            for (int i = 0; i < p; i++) {
                m[i] += u[i] * e / q;
                for (int j = 0; j < p; j++) {
                    s[i + 1][j] -= u[i] * u[j] / q;
                }
            }
        }
    }

    /** Prequential predictions of one model over the events, one store per partition (Kafka's partitioner). */
    static double[] run(String spec, PeersRunner.Events ev, PriorSettings prior, int partitions, long[] nanos) {
        ScoringStep step = new ScoringStep(FeatureSpace.ordered(ev.featureNames), List.of(spec), prior);
        ModelStore[] stores = new ModelStore[partitions];
        for (int i = 0; i < partitions; i++) {
            stores[i] = new InMemoryModelStore();
        }
        PeersRunner.RowView view = new PeersRunner.RowView(ev.featureNames);
        double[] pred = new double[ev.rows];
        int[] at = new int[1];
        ScoringStep.Sink sink = (model, champion, version, mean, stddev) -> pred[at[0]] = mean;
        long t0 = System.nanoTime();
        for (int i = 0; i < ev.rows; i++) {
            at[0] = i;
            view.row(ev.features[i]);
            String key = ev.keys.get(i);
            ModelStore store = partitions == 1 ? stores[0] : stores[PriorSettings.partition(key, partitions)];
            step.score(key, ev.ts[i], view, ev.labels[i], store, sink);
        }
        if (nanos != null) {
            nanos[0] = System.nanoTime() - t0;
        }
        return pred;
    }

    /** {first 1, first 5, first 20, all} MSE of {@code pred}; "first n" over keys with at least n labelled rows. */
    static double[] firstN(PeersRunner.Events ev, double[] pred, int[] ns) {
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Integer> count = new HashMap<>();
        for (int i = 0; i < ev.rows; i++) {
            if (!Double.isNaN(ev.labels[i])) {
                count.merge(ev.keys.get(i), 1, Integer::sum);
            }
        }
        double[] sum = new double[ns.length + 1];
        long[] n = new long[ns.length + 1];
        for (int i = 0; i < ev.rows; i++) {
            if (Double.isNaN(ev.labels[i])) {
                continue;
            }
            String key = ev.keys.get(i);
            int j = seen.merge(key, 1, Integer::sum);
            double e = pred[i] - ev.labels[i];
            for (int c = 0; c < ns.length; c++) {
                if (j <= ns[c] && count.get(key) >= ns[c]) {
                    sum[c] += e * e;
                    n[c]++;
                }
            }
            sum[ns.length] += e * e;
            n[ns.length]++;
        }
        double[] out = new double[ns.length + 1];
        for (int c = 0; c <= ns.length; c++) {
            out[c] = sum[c] / n[c];
        }
        return out;
    }

    static PeersRunner.Events readMaybeGzip(Path path) throws IOException {
        if (!path.toString().endsWith(".gz")) {
            return PeersRunner.read(path);
        }
        Path tmp = Files.createTempFile("coldstart", ".csv");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path))) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return PeersRunner.read(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The rows of {@code ev} whose index passes {@code keep}, in order. */
    static PeersRunner.Events filter(PeersRunner.Events ev, java.util.function.IntPredicate keep) {
        PeersRunner.Events out = new PeersRunner.Events();
        out.featureNames.addAll(ev.featureNames);
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < ev.rows; i++) {
            if (keep.test(i)) {
                idx.add(i);
            }
        }
        out.rows = idx.size();
        out.ts = new long[out.rows];
        out.labels = new double[out.rows];
        out.features = new double[out.rows][];
        for (int j = 0; j < out.rows; j++) {
            int i = idx.get(j);
            out.keys.add(ev.keys.get(i));
            out.ts[j] = ev.ts[i];
            out.labels[j] = ev.labels[i];
            out.features[j] = ev.features[i];
        }
        return out;
    }

    static double mse(double[] pred, double[] labels, java.util.function.IntPredicate rows) {
        double s = 0;
        long n = 0;
        for (int i = 0; i < pred.length; i++) {
            if (!Double.isNaN(labels[i]) && rows.test(i)) {
                double e = pred[i] - labels[i];
                s += e * e;
                n++;
            }
        }
        return s / n;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, v >= 1000 ? "%.0f" : v >= 10 ? "%.2f" : "%.4f", v);
    }

    public static void main(String[] args) throws IOException {
        Path repo = Path.of(args.length > 0 ? args[0] : ".");
        PriorSettings on = new PriorSettings(true, PriorSettings.DEFAULT_MIN_KEYS, PriorSettings.DEFAULT_EVERY);
        PriorSettings twenty = new PriorSettings(true, 20, PriorSettings.DEFAULT_EVERY);
        PriorSettings off = PriorSettings.NONE;
        int[] ns = {1, 5, 20};

        Settings s = new Settings();
        double[] oracle = new double[generate(s, null).rows];
        PeersRunner.Events ev = generate(s, oracle);
        System.out.printf(Locale.ROOT, "## Short-lived keys: %d keys, %d rows, d=%d, lifetimes %d-%d, tau=%.2f, r=%.2f%n%n",
                s.keys, ev.rows, s.dim, s.minLife, s.maxLife, s.tau, s.r);
        System.out.println("| model | prior | partitions | first 1 | first 5 | first 20 | all rows | first 5 vs none | first 5 vs oracle |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        double[] o = firstN(ev, oracle, ns);
        System.out.printf(Locale.ROOT, "| oracle (knows mu, tau, r) | - | - | %s | %s | %s | %s | | |%n", f(o[0]), f(o[1]), f(o[2]), f(o[3]));
        for (String spec : List.of("kalman", "sgd")) {
            double[] none = firstN(ev, run(spec, ev, off, 1, null), ns);
            System.out.printf(Locale.ROOT, "| %s | none | 1 | %s | %s | %s | %s | | %+.0f%% |%n", spec, f(none[0]), f(none[1]),
                    f(none[2]), f(none[3]), 100 * (none[1] / o[1] - 1));
            for (PriorSettings prior : List.of(on, twenty)) {
                for (int parts : new int[] {1, 8, 32}) {
                    double[] pop = firstN(ev, run(spec, ev, prior, parts, null), ns);
                    System.out.printf(Locale.ROOT, "| %s | population, min-keys %d | %d | %s | %s | %s | %s | %+.0f%% | %+.0f%% |%n", spec,
                            prior.minKeys(), parts, f(pop[0]), f(pop[1]), f(pop[2]), f(pop[3]), 100 * (pop[1] / none[1] - 1),
                            100 * (pop[1] / o[1] - 1));
                }
            }
        }

        System.out.println();
        System.out.println("## Long run: overall MSE, prior none vs population (min-keys 100, the default, and 20)");
        System.out.println();
        System.out.println("| file | model | none | population (100) | change | population (20) | change |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (String scenario : List.of("drift", "static")) {
            SyntheticStreams.Settings g = new SyntheticStreams.Settings();
            g.scenario = scenario;
            g.keys = 1000;
            g.rows = 200_000;
            g.seed = 1;
            SyntheticStreams.Stream st = SyntheticStreams.generate(g);
            Path tmp = Files.createTempFile("coldstart-" + scenario, ".csv");
            SyntheticStreams.writeEvents(st, tmp);
            PeersRunner.Events e = PeersRunner.read(tmp);
            Files.delete(tmp);
            longRun(scenario + " (1000 keys, 200k rows)", e, on, twenty, off);
        }
        PeersRunner.Events bike = PeersRunner.read(repo.resolve("datasets/bike_sharing_hourly.csv"));
        longRun("bike sharing (1 key)", bike, on, twenty, off);
        PeersRunner.Events beijing = readMaybeGzip(repo.resolve("datasets/beijing_air_quality.csv.gz"));
        PriorSettings five = new PriorSettings(true, 5, PriorSettings.DEFAULT_EVERY);
        longRun("beijing (12 keys; last column min-keys 5)", beijing, on, five, off);

        System.out.println();
        System.out.println("## Beijing: one station enters after the others ran a year (min-keys 5)");
        System.out.println();
        System.out.println("| station | model | first week none | first week population | first 4 weeks none | first 4 weeks population |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        long start = Arrays.stream(beijing.ts).min().getAsLong();
        long year = start + 365L * 24 * 3600 * 1000;
        for (String station : List.of("Aotizhongxin", "Dingling", "Huairou")) {
            PeersRunner.Events late = filter(beijing, i -> !beijing.keys.get(i).equals(station) || beijing.ts[i] >= year);
            long week = 7L * 24 * 3600 * 1000;
            for (String spec : List.of("kalman", "sgd")) {
                double[] a = run(spec, late, off, 1, null);
                double[] b = run(spec, late, five, 1, null);
                java.util.function.IntPredicate w1 = i -> late.keys.get(i).equals(station) && late.ts[i] < year + week;
                java.util.function.IntPredicate w4 = i -> late.keys.get(i).equals(station) && late.ts[i] < year + 4 * week;
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", station, spec, f(mse(a, late.labels, w1)),
                        f(mse(b, late.labels, w1)), f(mse(a, late.labels, w4)), f(mse(b, late.labels, w4)));
            }
        }
    }

    private static void longRun(String name, PeersRunner.Events e, PriorSettings on, PriorSettings other, PriorSettings off) {
        for (String spec : List.of("kalman", "sgd")) {
            double a = mse(run(spec, e, off, 1, null), e.labels, i -> true);
            double b = mse(run(spec, e, on, 1, null), e.labels, i -> true);
            double c = mse(run(spec, e, other, 1, null), e.labels, i -> true);
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %+.3f%% | %s | %+.3f%% |%n", name, spec, f(a), f(b), 100 * (b / a - 1),
                    f(c), 100 * (c / a - 1));
        }
    }
}
