package io.streamlearn.bench.peers;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Synthetic per-key event files with their reference predictions, for the accuracy comparisons in
 * {@code bench/results/} and the README. Writes CSV {@code key,ts,label,f1,...,fd}, rows in time order;
 * every key has its own true model:
 * <ul>
 *   <li>{@code static}: fixed weights {@code w_k ~ N(0, p0 I)}; {@code y = w_k·x + r e};</li>
 *   <li>{@code drift}: each key's weights follow a Gaussian random walk indexed by that key's own events,
 *       {@code w_1 ~ N(0, p0 I)}, {@code w_{n+1} = w_n + q ε_n}; {@code y = w_n·x + r e} ({@code q} and
 *       {@code r} are standard deviations);</li>
 *   <li>{@code ar}: each key is an AR(p) series {@code s_t = μ_k + z_t}, {@code z_t = Σ φ_ki z_{t-i} + σ e};
 *       the features of a row are the key's last p values, the label is {@code s_t}; {@code φ_k} comes from
 *       partial autocorrelations drawn uniformly in (−pacf_max, pacf_max) (Durbin–Levinson), so every key
 *       is stationary; each key starts after a burn-in.</li>
 * </ul>
 * In static and drift, {@code x ~ N(0, I)}. Features and labels are rounded to 6 decimals before the
 * labels and the references are computed, so the file holds exactly the numbers the reference used.
 *
 * <p>{@code --oracle-out} writes reference predictions ({@code key,ts,prediction}, same rows): for drift
 * the exact Kalman filter with the true q, r and prior (the Bayes-optimal, minimum-MSE predictor of this
 * generator); for static the same with q = 0 (exact Bayesian linear regression); for ar the
 * true-parameter one-step predictor (a noise floor, not Bayes-optimal). Timestamps are epoch
 * milliseconds from 1,700,000,000,000, strictly increasing, 1 + Poisson(9) ms apart. Deterministic for a
 * seed. The design follows the peers harness the figures in {@code bench/results/kalman-peers.md} were
 * first taken with; the random streams differ (Java's generator, not numpy's), so the files do too.
 *
 * <pre>{@code
 * mvn -B -q package -pl bench -am -DskipTests
 * java -cp bench/target/benchmarks.jar io.streamlearn.bench.peers.SyntheticStreams --scenario drift \
 *     --keys 1000 --dim 8 --rows 200000 --seed 1 --q 0.05 --r 0.5 --p0 1.0 \
 *     --out target/peers/drift.csv --oracle-out target/peers/drift.oracle.csv
 * }</pre>
 */
public final class SyntheticStreams {

    static final long BASE_TS_MS = 1_700_000_000_000L;

    /** The generator's settings; the defaults are those of the peers harness. */
    public static final class Settings {
        public String scenario;
        public int keys;
        public int dim = 8;
        public int rows;
        public long seed;
        public double q = 0.05;
        public double r = 0.5;
        public double p0 = 1.0;
        public double arSigma = 1.0;
        public double arLevelSd = 1.0;
        public double pacfMax = 0.8;
        public int burnIn = 200;
        public double missingRate;
        public String keyDist = "uniform";
        public double zipfS = 1.1;
    }

    /** A generated stream held in memory. */
    public static final class Stream {
        public final int[] keys;
        public final long[] ts;
        public final double[][] x;
        public final double[] y;
        public final double[] reference;
        public final String[] keyNames;
        /** Mean of innovation² / predicted variance of the reference filter (≈ 1 when it is right); NaN for ar. */
        public double calibration = Double.NaN;

        Stream(int[] keys, long[] ts, double[][] x, double[] y, double[] reference, String[] keyNames) {
            this.keys = keys;
            this.ts = ts;
            this.x = x;
            this.y = y;
            this.reference = reference;
            this.keyNames = keyNames;
        }
    }

    private SyntheticStreams() {
    }

    /** Generates the stream of {@code s}. */
    public static Stream generate(Settings s) {
        if (s.keys < 1 || s.rows < 1 || s.dim < 1) {
            throw new IllegalArgumentException("--keys, --rows and --dim must be positive");
        }
        SplittableRandom rnd = new SplittableRandom(s.seed);
        int[] keys = assignKeys(rnd, s);
        long[] ts = new long[s.rows];
        long t = BASE_TS_MS;
        for (int i = 0; i < s.rows; i++) {
            t += 1 + poisson(rnd, 9.0);
            ts[i] = t;
        }
        String[] names = keyNames(s.keys);
        Stream out;
        switch (s.scenario) {
            case "static" -> out = linear(s, rnd, keys, ts, names, 0.0);
            case "drift" -> out = linear(s, rnd, keys, ts, names, s.q);
            case "ar" -> out = ar(s, rnd, keys, ts, names);
            default -> throw new IllegalArgumentException("--scenario must be static, drift or ar, not " + s.scenario);
        }
        if (s.missingRate > 0) {
            for (double[] row : out.x) {
                for (int j = 0; j < row.length; j++) {
                    if (rnd.nextDouble() < s.missingRate) {
                        row[j] = Double.NaN;
                    }
                }
            }
        }
        return out;
    }

    private static Stream linear(Settings s, SplittableRandom rnd, int[] keys, long[] ts, String[] names, double q) {
        int d = s.dim;
        double[][] w = new double[s.keys][d];
        for (double[] wk : w) {
            for (int j = 0; j < d; j++) {
                wk[j] = Math.sqrt(s.p0) * rnd.nextGaussian();
            }
        }
        double[][] x = new double[s.rows][d];
        double[] y = new double[s.rows];
        boolean[] seen = new boolean[s.keys];
        for (int i = 0; i < s.rows; i++) {
            int k = keys[i];
            if (seen[k] && q > 0) {
                for (int j = 0; j < d; j++) {
                    w[k][j] += q * rnd.nextGaussian();
                }
            }
            seen[k] = true;
            double dot = 0;
            for (int j = 0; j < d; j++) {
                x[i][j] = round6(rnd.nextGaussian());
                dot += w[k][j] * x[i][j];
            }
            y[i] = round6(dot + s.r * rnd.nextGaussian());
        }
        double[] ref = new double[s.rows];
        Stream out = new Stream(keys, ts, x, y, ref, names);
        out.calibration = KalmanOracle.run(keys, x, y, s.keys, q, s.r, s.p0, ref);
        return out;
    }

    private static Stream ar(Settings s, SplittableRandom rnd, int[] keys, long[] ts, String[] names) {
        int p = s.dim;
        double[][] phi = new double[s.keys][];
        double[] mu = new double[s.keys];
        double[][] hist = new double[s.keys][p]; // z history, newest last
        for (int k = 0; k < s.keys; k++) {
            double[] pacf = new double[p];
            for (int j = 0; j < p; j++) {
                pacf[j] = -s.pacfMax + 2 * s.pacfMax * rnd.nextDouble();
            }
            phi[k] = pacfToAr(pacf);
            mu[k] = s.arLevelSd * rnd.nextGaussian();
        }
        for (int k = 0; k < s.keys; k++) {
            double[] h = new double[p];
            for (int b = 0; b < s.burnIn; b++) {
                double z = 0;
                for (int j = 0; j < p; j++) {
                    z += phi[k][j] * h[p - 1 - j];
                }
                z += s.arSigma * rnd.nextGaussian();
                System.arraycopy(h, 1, h, 0, p - 1);
                h[p - 1] = z;
            }
            for (int j = 0; j < p; j++) {
                hist[k][j] = round6(mu[k] + h[j]) - mu[k];
            }
        }
        double[][] x = new double[s.rows][p];
        double[] y = new double[s.rows];
        double[] floor = new double[s.rows];
        for (int i = 0; i < s.rows; i++) {
            int k = keys[i];
            double mean = 0;
            double fl = mu[k];
            for (int j = 0; j < p; j++) {
                double lag = hist[k][p - 1 - j]; // z_{t-1-j}
                mean += phi[k][j] * lag;
                x[i][j] = round6(mu[k] + lag);
                fl += phi[k][j] * (x[i][j] - mu[k]);
            }
            double sNew = round6(mu[k] + mean + s.arSigma * rnd.nextGaussian());
            y[i] = sNew;
            floor[i] = fl;
            System.arraycopy(hist[k], 1, hist[k], 0, p - 1);
            hist[k][p - 1] = sNew - mu[k];
        }
        return new Stream(keys, ts, x, y, floor, names);
    }

    /** Durbin–Levinson: partial autocorrelations in (−1, 1) to the coefficients of a stationary AR. */
    static double[] pacfToAr(double[] pacf) {
        double[] phi = new double[0];
        for (double a : pacf) {
            double[] next = new double[phi.length + 1];
            for (int j = 0; j < phi.length; j++) {
                next[j] = phi[j] - a * phi[phi.length - 1 - j];
            }
            next[phi.length] = a;
            phi = next;
        }
        return phi;
    }

    private static int[] assignKeys(SplittableRandom rnd, Settings s) {
        int[] keys = new int[s.rows];
        if (s.keyDist.equals("uniform")) {
            for (int i = 0; i < s.rows; i++) {
                keys[i] = rnd.nextInt(s.keys);
            }
            return keys;
        }
        if (!s.keyDist.equals("zipf")) {
            throw new IllegalArgumentException("--key-dist must be uniform or zipf");
        }
        double[] cdf = new double[s.keys];
        double sum = 0;
        for (int k = 0; k < s.keys; k++) {
            sum += 1.0 / Math.pow(k + 1, s.zipfS);
            cdf[k] = sum;
        }
        for (int i = 0; i < s.rows; i++) {
            double u = rnd.nextDouble() * sum;
            int at = java.util.Arrays.binarySearch(cdf, u);
            keys[i] = Math.min(s.keys - 1, at >= 0 ? at : -at - 1);
        }
        return keys;
    }

    private static int poisson(SplittableRandom rnd, double lambda) {
        double limit = Math.exp(-lambda);
        double prod = rnd.nextDouble();
        int n = 0;
        while (prod > limit) {
            prod *= rnd.nextDouble();
            n++;
        }
        return n;
    }

    static String[] keyNames(int k) {
        int width = Math.max(4, Integer.toString(k - 1).length());
        String[] names = new String[k];
        for (int i = 0; i < k; i++) {
            names[i] = "k" + String.format(Locale.ROOT, "%0" + width + "d", i);
        }
        return names;
    }

    static double round6(double v) {
        return Math.rint(v * 1e6) / 1e6;
    }

    /** Writes the events CSV. */
    public static void writeEvents(Stream s, Path file) throws IOException {
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16)) {
            int d = s.x[0].length;
            StringBuilder line = new StringBuilder("key,ts,label");
            for (int j = 0; j < d; j++) {
                line.append(",f").append(j + 1);
            }
            w.write(line.append('\n').toString());
            for (int i = 0; i < s.y.length; i++) {
                line.setLength(0);
                line.append(s.keyNames[s.keys[i]]).append(',').append(s.ts[i]).append(',').append(fmt(s.y[i]));
                for (int j = 0; j < d; j++) {
                    line.append(',');
                    if (!Double.isNaN(s.x[i][j])) {
                        line.append(fmt(s.x[i][j]));
                    }
                }
                w.write(line.append('\n').toString());
            }
        }
    }

    /** Writes the reference predictions CSV ({@code key,ts,prediction}). */
    public static void writeReference(Stream s, Path file) throws IOException {
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16)) {
            w.write("key,ts,prediction\n");
            for (int i = 0; i < s.y.length; i++) {
                w.write(s.keyNames[s.keys[i]] + "," + s.ts[i] + "," + s.reference[i] + "\n");
            }
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    public static void main(String[] args) throws IOException {
        Settings s = new Settings();
        String out = null;
        String oracle = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--scenario" -> s.scenario = v;
                    case "--keys" -> s.keys = Integer.parseInt(v);
                    case "--dim" -> s.dim = Integer.parseInt(v);
                    case "--rows" -> s.rows = Integer.parseInt(v);
                    case "--seed" -> s.seed = Long.parseLong(v);
                    case "--q" -> s.q = Double.parseDouble(v);
                    case "--r" -> s.r = Double.parseDouble(v);
                    case "--p0" -> s.p0 = Double.parseDouble(v);
                    case "--ar-sigma" -> s.arSigma = Double.parseDouble(v);
                    case "--ar-level-sd" -> s.arLevelSd = Double.parseDouble(v);
                    case "--pacf-max" -> s.pacfMax = Double.parseDouble(v);
                    case "--burn-in" -> s.burnIn = Integer.parseInt(v);
                    case "--missing-rate" -> s.missingRate = Double.parseDouble(v);
                    case "--key-dist" -> s.keyDist = v;
                    case "--zipf-s" -> s.zipfS = Double.parseDouble(v);
                    case "--out" -> out = v;
                    case "--oracle-out" -> oracle = v;
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
                if (v == null) {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
                i++;
            }
            if (s.scenario == null || out == null || s.keys == 0 || s.rows == 0) {
                throw new IllegalArgumentException("usage: --scenario static|drift|ar --keys K --rows N --out FILE "
                        + "[--dim D] [--seed S] [--oracle-out FILE] [--q Q] [--r R] [--p0 P] [--missing-rate F]");
            }
            if (s.missingRate > 0 && oracle != null) {
                throw new IllegalArgumentException("--missing-rate with --oracle-out: the reference would see values the learners cannot");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("synthetic-streams: " + e.getMessage());
            System.exit(2);
            return;
        }
        long t0 = System.nanoTime();
        Stream stream = generate(s);
        Path outPath = Path.of(out);
        if (outPath.toAbsolutePath().getParent() != null) {
            Files.createDirectories(outPath.toAbsolutePath().getParent());
        }
        writeEvents(stream, outPath);
        double refMse = Double.NaN;
        if (oracle != null) {
            writeReference(stream, Path.of(oracle));
            double se = 0;
            for (int i = 0; i < stream.y.length; i++) {
                se += (stream.y[i] - stream.reference[i]) * (stream.y[i] - stream.reference[i]);
            }
            refMse = se / stream.y.length;
        }
        System.out.printf(Locale.ROOT,
                "{\"scenario\":\"%s\",\"keys\":%d,\"dim\":%d,\"rows\":%d,\"seed\":%d,\"reference_mse\":%s,"
                        + "\"reference_calibration_mean_nis\":%s,\"seconds\":%.2f}%n",
                s.scenario, s.keys, s.dim, s.rows, s.seed, Double.isNaN(refMse) ? "null" : Double.toString(refMse),
                Double.isNaN(stream.calibration) ? "null" : Double.toString(stream.calibration),
                (System.nanoTime() - t0) / 1e9);
    }

    /** The exact per-key Kalman filter of the linear scenarios, used as the reference predictor. */
    static final class KalmanOracle {
        private KalmanOracle() {
        }

        /**
         * Filters every key with prior N(0, p0 I), process noise q² I added between a key's consecutive
         * events and observation noise r²; writes the one-step predictions into {@code pred} and returns
         * the mean normalized innovation squared.
         */
        static double run(int[] keys, double[][] x, double[] y, int nKeys, double q, double r, double p0, double[] pred) {
            int d = x[0].length;
            double[][] m = new double[nKeys][d];
            double[][][] P = new double[nKeys][][];
            double[] px = new double[d];
            double nis = 0;
            for (int i = 0; i < y.length; i++) {
                int k = keys[i];
                if (P[k] == null) {
                    P[k] = new double[d][d];
                    for (int j = 0; j < d; j++) {
                        P[k][j][j] = p0;
                    }
                } else {
                    for (int j = 0; j < d; j++) {
                        P[k][j][j] += q * q;
                    }
                }
                double[][] Pk = P[k];
                double yhat = 0;
                for (int j = 0; j < d; j++) {
                    yhat += m[k][j] * x[i][j];
                }
                double s = r * r;
                for (int a = 0; a < d; a++) {
                    double v = 0;
                    for (int b = 0; b < d; b++) {
                        v += Pk[a][b] * x[i][b];
                    }
                    px[a] = v;
                    s += x[i][a] * v;
                }
                double innov = y[i] - yhat;
                pred[i] = yhat;
                nis += innov * innov / s;
                for (int a = 0; a < d; a++) {
                    m[k][a] += px[a] / s * innov;
                }
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) {
                        Pk[a][b] -= px[a] * px[b] / s;
                    }
                }
                for (int a = 0; a < d; a++) {
                    for (int b = a + 1; b < d; b++) {
                        double avg = 0.5 * (Pk[a][b] + Pk[b][a]);
                        Pk[a][b] = avg;
                        Pk[b][a] = avg;
                    }
                }
            }
            return nis / y.length;
        }
    }
}
