package io.streamlearn.learn.sgd;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;

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
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Prequential evaluation (predict, then learn; one model per key) of learner SPECs over event files
 * in the repository's dataset format {@code key,ts,label,f1..fd} (empty cell = missing: feature read as 0, a
 * missing label is predicted but not learned or scored). Used to choose the {@code sgd} defaults;
 * not a unit test.
 *
 * <pre>
 *   java -cp learn/target/classes:learn/target/test-classes io.streamlearn.learn.sgd.Prequential \
 *       datasets/bike_sharing_hourly.csv "sgd" "sgd:step=adagrad"
 * </pre>
 * Prints, per SPEC: MSE (regression) or log-loss and accuracy (0/1 labels), the MSE of the per-key
 * running mean for scale, the second-half figure, and non-finite prediction counts.
 */
public final class Prequential {

    /** One event file held in memory. */
    public static final class Data {
        final String name;
        final int[] keys;
        final double[] labels;
        final double[][] features;
        final int keyCount;
        final boolean binary;

        Data(String name, int[] keys, double[] labels, double[][] features, int keyCount, boolean binary) {
            this.name = name;
            this.keys = keys;
            this.labels = labels;
            this.features = features;
            this.keyCount = keyCount;
            this.binary = binary;
        }

        int dimension() {
            return features.length == 0 ? 0 : features[0].length;
        }
    }

    /** Result of one run. */
    public static final class Result {
        public double loss;
        public double secondHalfLoss;
        public double accuracy;
        public long nonFinite;
        public long scored;
    }

    private Prequential() {
    }

    public static Data load(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.toString().endsWith(".gz")) {
            in = new GZIPInputStream(in, 1 << 16);
        }
        List<double[]> rows = new ArrayList<>();
        List<Integer> keys = new ArrayList<>();
        List<Double> labels = new ArrayList<>();
        Map<String, Integer> keyIds = new HashMap<>();
        boolean binary = true;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String header = r.readLine();
            int d = header.split(",", -1).length - 3;
            String line;
            while ((line = r.readLine()) != null) {
                String[] c = line.split(",", -1);
                keys.add(keyIds.computeIfAbsent(c[0], k -> keyIds.size()));
                double y = c[2].isEmpty() ? Double.NaN : Double.parseDouble(c[2]);
                labels.add(y);
                if (!Double.isNaN(y) && y != 0.0 && y != 1.0) {
                    binary = false;
                }
                double[] x = new double[d];
                for (int i = 0; i < d; i++) {
                    x[i] = c[3 + i].isEmpty() ? 0.0 : Double.parseDouble(c[3 + i]);
                }
                rows.add(x);
            }
        }
        int n = rows.size();
        int[] k = new int[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            k[i] = keys.get(i);
            y[i] = labels.get(i);
        }
        return new Data(file.getFileName().toString(), k, y, rows.toArray(new double[0][]), keyIds.size(), binary);
    }

    /** Runs one SPEC over the data, prequentially. */
    public static Result run(Data data, String spec) {
        Learner l = Learners.create(spec, data.dimension());
        ModelState[] states = new ModelState[data.keyCount];
        for (int k = 0; k < states.length; k++) {
            states[k] = l.newState();
        }
        Prediction p = new Prediction();
        Result res = new Result();
        double sum = 0;
        double half = 0;
        long halfCount = 0;
        long correct = 0;
        int n = data.labels.length;
        for (int t = 0; t < n; t++) {
            ModelState s = states[data.keys[t]];
            double[] x = data.features[t];
            l.predict(s, x, t, p);
            double y = data.labels[t];
            if (Double.isNaN(y)) {
                continue;
            }
            double m = p.mean();
            if (!Double.isFinite(m)) {
                res.nonFinite++;
                m = 0;
            }
            double e;
            if (data.binary) {
                double q = Math.min(1 - 1e-15, Math.max(1e-15, m));
                e = -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
                if ((m > 0.5 ? 1.0 : 0.0) == y) {
                    correct++;
                }
            } else {
                e = (m - y) * (m - y);
            }
            sum += e;
            res.scored++;
            if (t >= n / 2) {
                half += e;
                halfCount++;
            }
            l.learn(s, x, t, y);
        }
        res.loss = sum / res.scored;
        res.secondHalfLoss = half / halfCount;
        res.accuracy = (double) correct / res.scored;
        return res;
    }

    /** Mean squared error of the per-key running mean of the label, for scale. */
    public static double runningMeanMse(Data data) {
        double[] mean = new double[data.keyCount];
        long[] count = new long[data.keyCount];
        double sum = 0;
        long n = 0;
        for (int t = 0; t < data.labels.length; t++) {
            double y = data.labels[t];
            if (Double.isNaN(y)) {
                continue;
            }
            int k = data.keys[t];
            sum += (mean[k] - y) * (mean[k] - y);
            n++;
            count[k]++;
            mean[k] += (y - mean[k]) / count[k];
        }
        return sum / n;
    }

    public static void main(String[] args) throws IOException {
        Data data = load(Path.of(args[0]));
        System.out.printf(Locale.ROOT, "%s: %d rows, %d keys, d=%d, %s, running-mean MSE %.4f%n", data.name,
                data.labels.length, data.keyCount, data.dimension(), data.binary ? "binary" : "regression",
                runningMeanMse(data));
        for (int i = 1; i < args.length; i++) {
            String spec = args[i];
            if (data.binary && !spec.contains("logistic")) {
                spec = spec + (spec.contains(":") ? "," : ":") + "loss=logistic";
            }
            long t0 = System.nanoTime();
            Result r;
            try {
                r = run(data, spec);
            } catch (RuntimeException e) {
                System.out.printf(Locale.ROOT, "  %-60s FAILED %s%n", spec, e);
                continue;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "  %-60s %s %.6g  2nd-half %.6g%s  nonfinite %d  %.1fs%n", spec,
                    data.binary ? "logloss" : "MSE", r.loss, r.secondHalfLoss,
                    data.binary ? String.format(Locale.ROOT, "  acc %.4f", r.accuracy) : "", r.nonFinite, secs);
        }
    }
}
