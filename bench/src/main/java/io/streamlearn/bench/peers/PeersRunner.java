package io.streamlearn.bench.peers;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.score.PopulationPriors;
import io.streamlearn.streams.score.ScoringStep;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Runs one model SPEC prequentially over a peers event file ({@code key,ts,label,f1..fd}, as written by
 * {@link SyntheticStreams}; {@code ts} in epoch ms or ISO-8601, empty label = predict only) through the
 * product's own {@link ScoringStep} over an
 * {@link InMemoryModelStore}: for each row in file order the key's model predicts, then learns the
 * label, and its state goes through the state codec exactly as in the live topology. Prints MSE,
 * the ratio to the oracle file's MSE ({@code key,ts,prediction}), the same on the second half of
 * the rows, and events/s of the scoring loop (parsing is done before the clock starts, like the
 * Python peers).
 *
 * <pre>{@code
 * java -cp ... io.streamlearn.bench.peers.PeersRunner --spec kalman \
 *     --events target/peers/drift.csv --oracle target/peers/drift.oracle.csv [--out pred.csv] [--repeat 3]
 * java -cp ... io.streamlearn.bench.peers.PeersRunner --micro --spec kalman:q=1e-4,r=1,p0=1 --dim 32
 * }</pre>
 * The {@code --micro} mode times the learner alone ({@code predict} + {@code learn} on in-memory
 * states, 100 keys by default, random data) without the codec and the store.
 */
public final class PeersRunner {

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private PeersRunner() {
    }

    /** Parsed event file. */
    static final class Events {
        final List<String> featureNames = new ArrayList<>();
        final List<String> keys = new ArrayList<>();
        final List<String> timestampText = new ArrayList<>();
        long[] ts;
        double[] labels;
        double[][] features;
        int rows;
    }

    static Events read(Path path) throws IOException {
        Events ev = new Events();
        List<long[]> tsList = new ArrayList<>();
        List<Double> labels = new ArrayList<>();
        List<double[]> feats = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(path)) {
            String[] header = in.readLine().split(",");
            if (header.length < 3 || !header[0].equals("key") || !header[1].equals("ts") || !header[2].equals("label")) {
                throw new IOException(path + ": expected header key,ts,label,f1..fd");
            }
            for (int i = 3; i < header.length; i++) {
                ev.featureNames.add(header[i]);
            }
            String line;
            int d = header.length - 3;
            while ((line = in.readLine()) != null) {
                String[] f = line.split(",", -1);
                ev.keys.add(f[0]);
                ev.timestampText.add(f[1]);
                tsList.add(new long[] {f[1].indexOf('T') > 0 ? java.time.Instant.parse(f[1]).toEpochMilli() : Long.parseLong(f[1])});
                labels.add(f[2].isEmpty() ? Double.NaN : Double.parseDouble(f[2]));
                double[] x = new double[d];
                for (int i = 0; i < d; i++) {
                    x[i] = f[3 + i].isEmpty() ? Double.NaN : Double.parseDouble(f[3 + i]);
                }
                feats.add(x);
            }
        }
        ev.rows = ev.keys.size();
        ev.ts = new long[ev.rows];
        ev.labels = new double[ev.rows];
        ev.features = new double[ev.rows][];
        for (int i = 0; i < ev.rows; i++) {
            ev.ts[i] = tsList.get(i)[0];
            ev.labels[i] = labels.get(i);
            ev.features[i] = feats.get(i);
        }
        return ev;
    }

    static double[] readOracle(Path path, int rows) throws IOException {
        double[] out = new double[rows];
        try (BufferedReader in = Files.newBufferedReader(path)) {
            in.readLine();
            for (int i = 0; i < rows; i++) {
                String line = in.readLine();
                out[i] = Double.parseDouble(line.substring(line.lastIndexOf(',') + 1));
            }
        }
        return out;
    }

    /**
     * A read-only map view of one row's features that the scoring step iterates; reused from row to
     * row so that the timed loop measures the scoring step, not map building. Missing (NaN) cells
     * are left out, as a deserializer would.
     */
    static final class RowView extends AbstractMap<String, Double> {
        private final String[] names;
        private double[] row;
        private final Entry entry = new Entry();
        private final It it = new It();
        private final Set<Map.Entry<String, Double>> set = new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, Double>> iterator() {
                it.next = 0;
                it.skip();
                return it;
            }

            @Override
            public int size() {
                int n = 0;
                for (double v : row) {
                    n += Double.isNaN(v) ? 0 : 1;
                }
                return n;
            }
        };

        RowView(List<String> names) {
            this.names = names.toArray(new String[0]);
        }

        void row(double[] r) {
            this.row = r;
        }

        @Override
        public Set<Map.Entry<String, Double>> entrySet() {
            return set;
        }

        private final class Entry implements Map.Entry<String, Double> {
            int i;

            @Override
            public String getKey() {
                return names[i];
            }

            @Override
            public Double getValue() {
                return row[i];
            }

            @Override
            public Double setValue(Double value) {
                throw new UnsupportedOperationException();
            }
        }

        private final class It implements Iterator<Map.Entry<String, Double>> {
            int next;

            void skip() {
                while (next < row.length && Double.isNaN(row[next])) {
                    next++;
                }
            }

            @Override
            public boolean hasNext() {
                return next < row.length;
            }

            @Override
            public Map.Entry<String, Double> next() {
                entry.i = next++;
                skip();
                return entry;
            }
        }
    }

    /** Scoring results of one pass. */
    static final class Result {
        double[] predictions;
        double[] stddevs;
        double seconds;
        double cpuSeconds;
        /** Mean bytes of a key's model state (the population prior's entries left out). */
        int stateBytes;
        /** Mean bytes of a key's population-prior contribution entry, 0 when the model keeps none. */
        int priorBytes;
    }

    static Result run(String spec, Events ev) {
        ScoringStep step = new ScoringStep(FeatureSpace.ordered(ev.featureNames), List.of(spec));
        InMemoryModelStore store = new InMemoryModelStore();
        RowView view = new RowView(ev.featureNames);
        Result res = new Result();
        res.predictions = new double[ev.rows];
        res.stddevs = new double[ev.rows];
        int[] at = new int[1];
        ScoringStep.Sink sink = (model, champion, version, mean, stddev) -> {
            res.predictions[at[0]] = mean;
            res.stddevs[at[0]] = stddev;
        };
        long c0 = CPU.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < ev.rows; i++) {
            at[0] = i;
            view.row(ev.features[i]);
            step.score(ev.keys.get(i), ev.ts[i], view, ev.labels[i], store, sink);
        }
        res.seconds = (System.nanoTime() - t0) / 1e9;
        res.cpuSeconds = (CPU.getCurrentThreadCpuTime() - c0) / 1e9;
        int[] sizes = entrySizes(store);
        res.stateBytes = sizes[0];
        res.priorBytes = sizes[1];
        return res;
    }

    /**
     * The mean bytes per key of the store's model states and of its keys' population-prior contribution
     * entries ({@link PopulationPriors}), rounded; each 0 when there is none. The tasks' population
     * entries (one per model, not per key) count in neither.
     */
    static int[] entrySizes(InMemoryModelStore store) {
        long states = 0;
        long stateCount = 0;
        long priors = 0;
        long priorCount = 0;
        for (Map.Entry<String, byte[]> e : store.entries().entrySet()) {
            String key = e.getKey();
            if (key.startsWith(PopulationPriors.POPULATION)) {
                continue;
            }
            if (ModelStore.modelName(key).startsWith(PopulationPriors.CONTRIBUTION)) {
                priors += e.getValue().length;
                priorCount++;
            } else if (!PopulationPriors.reserved(key)) {
                states += e.getValue().length;
                stateCount++;
            }
        }
        return new int[] {
                stateCount == 0 ? 0 : (int) Math.round((double) states / stateCount),
                priorCount == 0 ? 0 : (int) Math.round((double) priors / priorCount)};
    }

    /** Mean squared error over the labelled rows of {@code [from, to)}. */
    static double mse(double[] pred, double[] labels, int from, int to) {
        double s = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            if (!Double.isNaN(labels[i])) {
                double e = pred[i] - labels[i];
                s += e * e;
                n++;
            }
        }
        return s / n;
    }

    /** Mean of e^2 / stddev^2 over rows that have a stddev: ~1 when the uncertainty is calibrated. */
    static double calibration(Result r, double[] labels, int from) {
        double s = 0;
        int n = 0;
        for (int i = from; i < labels.length; i++) {
            double sd = r.stddevs[i];
            if (sd > 0 && Double.isFinite(sd) && !Double.isNaN(labels[i])) {
                double e = r.predictions[i] - labels[i];
                s += e * e / (sd * sd);
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /**
     * Times the learner alone and, for a model with a stddev, the same with calibrated intervals
     * ({@link Learners#model}, learning from the published prediction as the scoring step does), the two
     * alternating in each repetition so that both see the same machine load.
     */
    static void micro(String spec, int d, int keys, int events, int repeat) {
        Learner plain = Learners.create(spec, d);
        Learner calibrated = Learners.model(spec, d);
        List<Learner> variants = calibrated == plain || calibrated.getClass() == plain.getClass()
                ? List.of(plain) : List.of(plain, calibrated);
        List<ModelState[]> states = new ArrayList<>();
        for (Learner l : variants) {
            ModelState[] st = new ModelState[keys];
            for (int k = 0; k < keys; k++) {
                st[k] = l.newState();
            }
            states.add(st);
        }
        SplittableRandom r = new SplittableRandom(42);
        int pool = 4096;
        double[][] xs = new double[pool][d];
        double[] ys = new double[pool];
        for (int i = 0; i < pool; i++) {
            double y = 0;
            for (int j = 0; j < d; j++) {
                xs[i][j] = r.nextGaussian();
                y += 0.1 * (j + 1) * xs[i][j];
            }
            ys[i] = y + 0.5 * r.nextGaussian();
        }
        Prediction out = new Prediction();
        double sink = 0;
        for (int rep = 0; rep < repeat; rep++) {
            for (int v = 0; v < variants.size(); v++) {
                Learner l = variants.get(v);
                io.streamlearn.learn.conformal.Conformal c = l instanceof io.streamlearn.learn.conformal.Conformal cc ? cc : null;
                ModelState[] st = states.get(v);
                long c0 = CPU.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                for (int i = 0; i < events; i++) {
                    ModelState s = st[i % keys];
                    double[] x = xs[i & (pool - 1)];
                    l.predict(s, x, i, out);
                    sink += out.mean();
                    if (c != null) {
                        c.learn(s, x, i, ys[i & (pool - 1)], out);
                    } else {
                        l.learn(s, x, i, ys[i & (pool - 1)]);
                    }
                }
                double sec = (System.nanoTime() - t0) / 1e9;
                double cpu = (CPU.getCurrentThreadCpuTime() - c0) / 1e9;
                System.out.printf(Locale.ROOT, "micro spec=%s%s d=%d state=%d doubles: %,.0f events/s wall, %,.0f events/s CPU"
                        + " (predict+learn)%n", l.spec(), c != null ? " (calibrated)" : "", d, st[0].values().length,
                        events / sec, events / cpu);
            }
        }
        if (!Double.isFinite(sink)) {
            System.out.println("non-finite predictions");
        }
    }

    public static void main(String[] args) throws IOException {
        String spec = "kalman";
        Path events = null;
        Path oracle = null;
        Path out = null;
        int repeat = 1;
        boolean micro = false;
        int dim = 32;
        int microEvents = 2_000_000;
        int microKeys = 100;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--spec" -> spec = args[++i];
                case "--events" -> events = Path.of(args[++i]);
                case "--oracle" -> oracle = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--micro" -> micro = true;
                case "--dim" -> dim = Integer.parseInt(args[++i]);
                case "--micro-events" -> microEvents = Integer.parseInt(args[++i]);
                case "--micro-keys" -> microKeys = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --spec S --events F [--oracle F] [--out F] [--repeat N] | --micro --spec S --dim D)");
            }
        }
        if (micro) {
            micro(spec, dim, microKeys, microEvents, repeat);
            return;
        }
        if (events == null) {
            throw new IllegalArgumentException("--events FILE is required");
        }
        Events ev = read(events);
        double[] ref = oracle == null ? null : readOracle(oracle, ev.rows);
        int half = ev.rows / 2;
        for (int rep = 0; rep < repeat; rep++) {
            Result r = run(spec, ev);
            double mse = mse(r.predictions, ev.labels, 0, ev.rows);
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "file=%s spec=%s rows=%d d=%d MSE=%.4f", events.getFileName(), spec,
                    ev.rows, ev.featureNames.size(), mse));
            if (ref != null) {
                double refMse = mse(ref, ev.labels, 0, ev.rows);
                double ratio2 = mse(r.predictions, ev.labels, half, ev.rows) / mse(ref, ev.labels, half, ev.rows);
                b.append(String.format(Locale.ROOT, " oracleMSE=%.4f ratio=%.4f ratio2ndHalf=%.4f", refMse, mse / refMse, ratio2));
            }
            b.append(String.format(Locale.ROOT, " calibration=%.3f calibration2ndHalf=%.3f stateBytes=%d priorBytes=%d events/s=%,.0f wall %,.0f CPU",
                    calibration(r, ev.labels, 0), calibration(r, ev.labels, half),
                    r.stateBytes, r.priorBytes, ev.rows / r.seconds, ev.rows / r.cpuSeconds));
            System.out.println(b);
            if (out != null && rep == 0) {
                try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
                    w.println("key,ts,prediction");
                    for (int i = 0; i < ev.rows; i++) {
                        w.println(ev.keys.get(i) + "," + ev.timestampText.get(i) + "," + r.predictions[i]);
                    }
                }
            }
        }
    }
}
