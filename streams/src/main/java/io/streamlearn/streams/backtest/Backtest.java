package io.streamlearn.streams.backtest;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.state.InMemoryModelStore;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.score.PriorSettings;
import io.streamlearn.streams.score.ScoringStep;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A prequential (test-then-train) backtest: every event of a file goes, in file order, through the
 * same {@link ScoringStep} the live topology runs, over an {@link InMemoryModelStore} with the same
 * state codec, so its predictions are those the topology would publish for the same events in the
 * same order, bit for bit. The baselines {@code mean} and {@code last} always run beside the given
 * models.
 *
 * <h2>When labels are learned</h2>
 * <ul>
 *   <li>Without a label delay, an event's label is learned right after the event is scored (one
 *       {@link ScoringStep#score} call with the label).</li>
 *   <li>With a label delay {@code D >= 0}, an event at time {@code t} is scored without its label and
 *       its label is due at {@code t + D}. The stream time is the largest event time read so far (as
 *       in Kafka Streams). Before an event is scored, the stream time advances to its time and every
 *       pending label whose due time is <em>strictly less</em> than the stream time is learned
 *       ({@link ScoringStep#learn}), oldest due time first, ties in file order. So no event with time
 *       {@code <= t + D} (in a file sorted by time) ever sees the label of the event at {@code t}.
 *       Labels still pending at the end of the file are learned then; they affect no prediction.</li>
 * </ul>
 * Metrics use each labelled event's label against the prediction made when it was scored, whether or
 * not the label had been learned yet. Rows without a label are scored (and written) only.
 *
 * <h2>Partitions and the population prior</h2>
 * With the population prior on ({@link PriorSettings}), each live task learns the population of its
 * own partition's keys. The backtest reproduces this with {@link Config#partitions(int) partitions(N)}:
 * a key goes to the partition Kafka's default partitioner gives it ({@code murmur2} of its UTF-8
 * bytes, positive, mod N; {@link PriorSettings#partition}) and each partition has its own store, scored
 * in file order, so a key starts from the prior its live task would give it. Default 1: one task
 * learns from every key (the live case of a one-partition events topic); give the events topic's
 * partition count to reproduce a deployment.
 *
 * <h2>Bad rows</h2>
 * A row that cannot be used (see the sources; also an event whose time is earlier than the previous
 * event of the same key, or a feature or label beyond {@link Inputs#MAX_ABS}) is skipped and counted,
 * its line kept for the summary; with {@link Config#strict} the run stops at the first one by
 * throwing {@link BadRowException}.
 *
 * <pre>{@code
 * Backtest.Config config = new Backtest.Config(List.of("sgd:lr=0.05")).labelDelayMillis(3_600_000L);
 * try (EventSource in = EventSources.open(Path.of("events.csv"), null)) {
 *     BacktestResult result = new Backtest(config).run(in);
 *     System.out.print(MetricsTable.format(result));
 * }
 * }</pre>
 * Not thread-safe; a {@code Backtest} runs once.
 */
public final class Backtest {

    /** Baseline models every backtest runs. */
    public static final List<String> BASELINES = List.of("mean", "last");

    /** How many bad rows a result keeps the line and reason of. */
    public static final int KEPT_BAD_ROWS = 100;

    /** Settings of one run. */
    public static final class Config {
        private final List<String> models;
        private long labelDelayMillis = -1;
        private boolean strict;
        private long limit = Long.MAX_VALUE;
        private int window = 1000;
        private boolean report;
        private Writer output;
        private Progress progress;
        private int partitions = 1;
        private PriorSettings prior = PriorSettings.DEFAULT;
        private int textBuckets = FeatureSpace.DEFAULT_TEXT_BUCKETS;

        /** @param models model SPECs; the first is the champion; {@code mean} and {@code last} are added */
        public Config(List<String> models) {
            if (models.isEmpty()) {
                throw new IllegalArgumentException("at least one --model is needed");
            }
            List<String> all = new ArrayList<>();
            for (String m : models) {
                if (all.contains(m)) {
                    throw new IllegalArgumentException("model '" + m + "' listed twice");
                }
                all.add(m);
            }
            for (String b : BASELINES) {
                if (!all.contains(b)) {
                    all.add(b);
                }
            }
            this.models = Collections.unmodifiableList(all);
        }

        /**
         * Columns per text feature ({@code name=*}) of the ordered feature space, as
         * {@code streamlearn.features.text-buckets} for {@code run}; default {@value FeatureSpace#DEFAULT_TEXT_BUCKETS}.
         */
        public Config textBuckets(int buckets) {
            if (buckets < 1 || buckets > 1 << 16) {
                throw new IllegalArgumentException("text buckets must be in [1, 65536], got " + buckets);
            }
            this.textBuckets = buckets;
            return this;
        }

        /** Label delay in event-time milliseconds (>= 0), or a negative value for none (learn at once). */
        public Config labelDelayMillis(long delay) {
            this.labelDelayMillis = delay;
            return this;
        }

        /** Partitions of the live events topic to reproduce (default 1): one model store per partition. */
        public Config partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /** How new keys start (default {@link PriorSettings#DEFAULT}). */
        public Config prior(PriorSettings prior) {
            this.prior = prior;
            return this;
        }

        /** Stop at the first bad row instead of skipping it. */
        public Config strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /** Read at most this many data rows (bad ones included). */
        public Config limit(long rows) {
            this.limit = rows;
            return this;
        }

        /** Window, in labelled events, of the rolling MSE. */
        public Config window(int events) {
            if (events < 1) {
                throw new IllegalArgumentException("window must be >= 1");
            }
            this.window = events;
            return this;
        }

        /** Keep what the HTML report needs (about 28 bytes per labelled event). */
        public Config collectReport(boolean report) {
            this.report = report;
            return this;
        }

        /** Where to write the {@code key,ts,model,prediction,stddev} CSV, or null. Not closed. */
        public Config output(Writer output) {
            this.output = output;
            return this;
        }

        /** Called every few thousand rows, or null. */
        public Config progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        /** Every model run, the given ones first, then the baselines. */
        public List<String> models() {
            return models;
        }
    }

    /** Progress callback. */
    @FunctionalInterface
    public interface Progress {
        void update(long rows, long position, long size);
    }

    /** Per-key bookkeeping. */
    static final class KeyStats {
        final int index;
        long lastTime = Long.MIN_VALUE;
        long labelled;
        double championSse;
        double meanSse;

        KeyStats(int index) {
            this.index = index;
        }
    }

    private static final class Pending implements Comparable<Pending> {
        final long due;
        final long seq;
        final String key;
        final long time;
        final Map<String, Double> features;
        final double label;

        Pending(long due, long seq, String key, long time, Map<String, Double> features, double label) {
            this.due = due;
            this.seq = seq;
            this.key = key;
            this.time = time;
            this.features = features;
            this.label = label;
        }

        @Override
        public int compareTo(Pending o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final Config config;

    public Backtest(Config config) {
        this.config = config;
    }

    /**
     * Runs the whole source.
     *
     * @throws BadRowException in strict mode, at the first bad row
     * @throws IOException     if reading the input or writing the output fails
     */
    public BacktestResult run(EventSource source) throws IOException, BadRowException {
        List<String> models = config.models;
        int k = models.size();
        ScoringStep step = new ScoringStep(FeatureSpace.ordered(source.featureNames(), config.textBuckets), models, config.prior);
        ModelStore[] stores = new ModelStore[config.partitions];
        for (int i = 0; i < stores.length; i++) {
            stores[i] = new InMemoryModelStore();
        }
        List<ModelMetrics> metrics = new ArrayList<>();
        for (String m : models) {
            metrics.add(new ModelMetrics(m, config.window));
        }
        int meanIndex = models.indexOf("mean");
        ReportData report = config.report ? new ReportData(models) : null;
        double[] means = new double[k];
        double[] stddevs = new double[k];
        int[] cursor = new int[1];
        double[] intervals = new double[4 * k];
        ScoringStep.Sink sink = new ScoringStep.Sink() {
            @Override
            public void accept(String model, boolean champion, long version, double mean, double stddev) {
                throw new AssertionError("the step hands the prediction whole");
            }

            @Override
            public void accept(String model, boolean champion, long version, io.streamlearn.learn.Prediction p) {
                int c = cursor[0]++;
                means[c] = p.mean();
                stddevs[c] = p.stddev();
                intervals[4 * c] = p.lower80();
                intervals[4 * c + 1] = p.upper80();
                intervals[4 * c + 2] = p.lower95();
                intervals[4 * c + 3] = p.upper95();
            }
        };
        boolean delayed = config.labelDelayMillis >= 0;
        PriorityQueue<Pending> pending = new PriorityQueue<>();
        Map<String, KeyStats> keys = new HashMap<>();
        List<String> keyNames = new ArrayList<>();
        BacktestResult result = new BacktestResult(models, source.featureNames(), metrics, config.labelDelayMillis);
        StringBuilder line = new StringBuilder(256);
        Writer out = config.output;
        if (out != null) {
            out.write("key,ts,model,prediction,stddev\n");
        }
        String[] quotedModels = new String[k];
        for (int m = 0; m < k; m++) {
            quotedModels[m] = csvField(models.get(m));
        }
        BacktestEvent e = new BacktestEvent();
        long streamTime = Long.MIN_VALUE;
        long seq = 0;
        boolean binary = true;
        while (result.rows < config.limit) {
            try {
                if (!source.next(e)) {
                    break;
                }
            } catch (BadRowException bad) {
                result.rows++;
                bad(result, bad);
                continue;
            }
            result.rows++;
            if (config.progress != null && (result.rows & 8191) == 0) {
                config.progress.update(result.rows, source.position(), source.size());
            }
            KeyStats ks = keys.get(e.key);
            try {
                if (ks != null && e.time < ks.lastTime) {
                    throw new BadRowException(e.line, "time goes backwards for key '" + e.key + "': " + e.time
                            + " < " + ks.lastTime + " (previous event of the key)");
                }
                checkMagnitudes(e);
            } catch (BadRowException bad) {
                bad(result, bad);
                continue;
            }
            boolean labelled = !Double.isNaN(e.label);
            if (delayed) {
                if (e.time > streamTime) {
                    streamTime = e.time;
                }
                while (!pending.isEmpty() && pending.peek().due < streamTime) {
                    Pending p = pending.poll();
                    step.learn(p.key, p.time, p.features, p.label, store(stores, p.key));
                    result.lateLearned++;
                }
            }
            cursor[0] = 0;
            try {
                step.score(e.key, e.time, e.features, delayed ? Double.NaN : e.label, store(stores, e.key), sink);
            } catch (InvalidInputException bad) {
                bad(result, new BadRowException(e.line, bad.getMessage()));
                continue;
            }
            if (ks == null) {
                ks = new KeyStats(keyNames.size());
                keys.put(e.key, ks);
                keyNames.add(e.key);
            }
            ks.lastTime = e.time;
            result.events++;
            if (out != null) {
                line.setLength(0);
                String key = csvField(e.key);
                for (int m = 0; m < k; m++) {
                    line.append(key).append(',').append(e.time).append(',').append(quotedModels[m]).append(',')
                            .append(means[m]).append(',');
                    if (!Double.isNaN(stddevs[m])) {
                        line.append(stddevs[m]);
                    }
                    line.append('\n');
                }
                out.append(line);
            }
            if (!labelled) {
                result.predictOnly++;
                continue;
            }
            if (binary && e.label != 0.0 && e.label != 1.0) {
                binary = false;
            }
            for (int m = 0; m < k; m++) {
                metrics.get(m).intervals(intervals, 4 * m, e.label);
                metrics.get(m).update(means[m], stddevs[m], e.label, binary);
            }
            result.labelled++;
            ks.labelled++;
            double err = means[0] - e.label;
            ks.championSse += err * err;
            if (meanIndex >= 0) {
                double em = means[meanIndex] - e.label;
                ks.meanSse += em * em;
            }
            if (report != null) {
                report.sample(result.labelled - 1, e.time, metrics);
                report.champion(ks.index, e.time, e.label, means[0]);
            }
            if (delayed) {
                long due = e.time + config.labelDelayMillis;
                if (due < e.time) {
                    due = Long.MAX_VALUE;   // overflow: never due before the end
                }
                pending.add(new Pending(due, seq++, e.key, e.time, new HashMap<>(e.features), e.label));
            }
        }
        while (!pending.isEmpty()) {
            Pending p = pending.poll();
            step.learn(p.key, p.time, p.features, p.label, store(stores, p.key));
            result.flushedAtEnd++;
        }
        if (config.progress != null) {
            config.progress.update(result.rows, source.position(), source.size());
        }
        result.binary = binary && result.labelled > 0;
        result.keys = keyNames;
        result.keyStats = new ArrayList<>(keyNames.size());
        for (String name : keyNames) {
            result.keyStats.add(keys.get(name));
        }
        result.report = report;
        result.counters = step.counters();
        result.finish();
        return result;
    }

    /** The store of the partition Kafka's default partitioner gives {@code key}. */
    private static ModelStore store(ModelStore[] stores, String key) {
        return stores.length == 1 ? stores[0] : stores[PriorSettings.partition(key, stores.length)];
    }

    private void bad(BacktestResult result, BadRowException bad) throws BadRowException {
        if (config.strict) {
            throw bad;
        }
        result.badRows++;
        if (result.badRowLines.size() < KEPT_BAD_ROWS) {
            result.badRowLines.add(bad);
        }
    }

    private static void checkMagnitudes(BacktestEvent e) throws BadRowException {
        if (!Double.isNaN(e.label) && !(Math.abs(e.label) <= Inputs.MAX_ABS)) {
            throw new BadRowException(e.line, "absurd label " + e.label);
        }
        for (Map.Entry<String, Double> f : e.features.entrySet()) {
            double v = f.getValue();
            if (!(Math.abs(v) <= Inputs.MAX_ABS)) {
                throw new BadRowException(e.line, "absurd feature " + f.getKey() + " = " + v);
            }
        }
    }

    /** A CSV field, quoted when it holds a comma, quote or line break. */
    static String csvField(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' || c == '"' || c == '\n' || c == '\r') {
                return '"' + s.replace("\"", "\"\"") + '"';
            }
        }
        return s;
    }
}
