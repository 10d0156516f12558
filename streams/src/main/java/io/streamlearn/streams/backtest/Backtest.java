package io.streamlearn.streams.backtest;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.learn.conformal.Conformal;
import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.schemas.Label;
import io.streamlearn.state.ResidentModelStore;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.score.FutureTimes;
import io.streamlearn.streams.score.PriorSettings;
import io.streamlearn.streams.score.ScoringStep;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A prequential (test-then-train) backtest: every event of a file goes, in file order, through the
 * same {@link ScoringStep} the live topology runs, over a {@link ResidentModelStore} that keeps each
 * key's decoded states in memory (exactly what their bytes decode to, see
 * {@link io.streamlearn.learn.Storage}), so its predictions are those the topology would publish for
 * the same events in the same order, bit for bit. The baselines {@code mean} and {@code last} always run beside the given
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
 *   <li>With {@link Config#labels labels} (a {@code Label} per event id, as recorded on the live
 *       {@code labels} topic), an event of the input whose id has a label there is scored without a
 *       label, and that label is due at its own time {@code ts}: it is learned, by the rule above,
 *       before the first event later than {@code ts}, as the live task does when it processes the
 *       events and labels partitions in time order. Events with a label of their own are learned at
 *       once (unless a label delay is set). A label whose event is not in the input is not used; the
 *       first label of an event wins (live, a second one is the dead letter {@code duplicate-label}).
 *       The input must be sorted by time for this to reproduce the live order.</li>
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
 * <h2>Threads</h2>
 * The input is parsed on a second thread ({@code ReadAhead}), a batch ahead of the scoring, which reads
 * the events in file order as before: the result and output are those of reading on one thread, bit for
 * bit.
 * <p>
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
        private int threads = 1;
        private Map<String, Label> labels = Map.of();
        private java.time.Duration maxFuture = java.time.Duration.ZERO;
        private long now;

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

        /**
         * Refuse, as bad rows, events whose time is more than {@code maxFuture} ahead of {@code now}
         * (the wall clock when the run starts), as the live topology dead-letters them
         * ({@code streamlearn.max-future}, reason {@code future-timestamp}); zero (the default here)
         * accepts any time.
         */
        public Config maxFuture(java.time.Duration maxFuture, long now) {
            if (maxFuture.isNegative()) {
                throw new IllegalArgumentException("max future must be >= 0, got " + maxFuture);
            }
            this.maxFuture = maxFuture;
            this.now = now;
            return this;
        }

        /** Label delay in event-time milliseconds (>= 0), or a negative value for none (learn at once). */
        public Config labelDelayMillis(long delay) {
            this.labelDelayMillis = delay;
            return this;
        }

        /**
         * Labels that arrive apart from their events (the live {@code labels} topic), each learned at its
         * own time; see the class comment. The first label of an event id wins.
         */
        public Config labels(Collection<Label> labels) {
            Map<String, Label> byEvent = new HashMap<>();
            for (Label l : labels) {
                byEvent.putIfAbsent(ModelStore.storeKey(l.getKey(), l.getId()), l);
            }
            this.labels = byEvent;
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

        /**
         * Threads that score partitions in parallel (default 1; at most {@link #partitions} are used, and
         * only without a label delay). Parsing always has a thread of its own. The result is the same for any
         * number of threads.
         */
        public Config threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            this.threads = threads;
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

        /**
         * Where to write the {@code key,ts,model,prediction,stddev} CSV, or null. Not closed. When a model
         * of the run has calibrated intervals, four more columns {@code lower80,upper80,lower95,upper95}
         * (empty for a model without them, and while a key's intervals have none).
         */
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
        try (ReadAhead ahead = new ReadAhead(source, config.limit)) {
            return runOn(ahead);
        }
    }

    /** What the result keeps of each scored event, in file order: metrics, per-key figures, output, report. */
    private final class Tally {
        final List<String> models = config.models;
        final int k = models.size();
        final List<ModelMetrics> metrics = new ArrayList<>();
        final int meanIndex = models.indexOf("mean");
        final ReportData report = config.report ? new ReportData(models) : null;
        final Map<String, KeyStats> keys = new HashMap<>();
        final List<String> keyNames = new ArrayList<>();
        final BacktestResult result;
        final StringBuilder line = new StringBuilder(256);
        final Writer out = config.output;
        final String[] quotedModels = new String[k];
        /** Whether the output has the interval columns: some model of the run has calibrated intervals. */
        final boolean intervalColumns;
        boolean binary = true;

        Tally(EventSource source, ScoringStep step) throws IOException {
            for (String m : models) {
                metrics.add(new ModelMetrics(m, config.window));
            }
            result = new BacktestResult(models, source.featureNames(), metrics, config.labelDelayMillis);
            intervalColumns = hasIntervals(step);
            if (out != null) {
                out.write(intervalColumns ? OUTPUT_HEADER + INTERVAL_COLUMNS + "\n" : OUTPUT_HEADER + "\n");
            }
            for (int m = 0; m < k; m++) {
                quotedModels[m] = csvField(models.get(m));
            }
        }

        /** Counts a scored event whose k predictions are {@code means[at, at + k)}; true when it was labelled. */
        boolean scored(BacktestEvent e, KeyStats known, double[] means, double[] stddevs, double[] intervals, int at)
                throws IOException {
            KeyStats ks = known;
            if (ks == null) {
                ks = keys.get(e.key);
                if (ks == null) {
                    ks = new KeyStats(keyNames.size());
                    keys.put(e.key, ks);
                    keyNames.add(e.key);
                }
            }
            ks.lastTime = e.time;
            result.events++;
            if (out != null) {
                line.setLength(0);
                String key = csvField(e.key);
                for (int m = 0; m < k; m++) {
                    line.append(key).append(',').append(e.time).append(',').append(quotedModels[m]).append(',')
                            .append(means[at + m]).append(',');
                    if (!Double.isNaN(stddevs[at + m])) {
                        line.append(stddevs[at + m]);
                    }
                    if (intervalColumns) {
                        for (int i = 4 * (at + m), end = i + 4; i < end; i++) {
                            line.append(',');
                            if (!Double.isNaN(intervals[i])) {
                                line.append(intervals[i]);
                            }
                        }
                    }
                    line.append('\n');
                }
                out.append(line);
            }
            if (Double.isNaN(e.label)) {
                result.predictOnly++;
                return false;
            }
            if (binary && e.label != 0.0 && e.label != 1.0) {
                binary = false;
            }
            for (int m = 0; m < k; m++) {
                metrics.get(m).intervals(intervals, 4 * (at + m), e.label);
                metrics.get(m).update(means[at + m], stddevs[at + m], e.label, binary);
            }
            result.labelled++;
            ks.labelled++;
            double err = means[at] - e.label;
            ks.championSse += err * err;
            if (meanIndex >= 0) {
                double em = means[at + meanIndex] - e.label;
                ks.meanSse += em * em;
            }
            if (report != null) {
                report.sample(result.labelled - 1, e.time, metrics);
                report.champion(ks.index, e.time, e.label, means[at], intervals, 4 * at);
            }
            return true;
        }

        BacktestResult finish(ScoringStep.Counters counters) {
            result.binary = binary && result.labelled > 0;
            result.keys = keyNames;
            result.keyStats = new ArrayList<>(keyNames.size());
            for (String name : keyNames) {
                result.keyStats.add(keys.get(name));
            }
            result.report = report;
            result.counters = counters;
            result.finish();
            return result;
        }
    }

    /** The run, reading events from {@code source} (read ahead on another thread by {@link #run}). */
    private BacktestResult runOn(EventSource source) throws IOException, BadRowException {
        int workers = Math.min(config.partitions, config.threads);
        if (workers > 1 && config.labelDelayMillis < 0 && config.labels.isEmpty()) {
            return runParallel(source, workers);
        }
        List<String> models = config.models;
        int k = models.size();
        ScoringStep step = new ScoringStep(FeatureSpace.ordered(source.featureNames(), config.textBuckets), models, config.prior);
        ModelStore[] stores = residentStores(step, config.partitions);
        double[] means = new double[k];
        double[] stddevs = new double[k];
        int[] cursor = new int[1];
        double[] intervals = new double[4 * k];
        ScoringStep.Sink sink = sink(cursor, means, stddevs, intervals);
        boolean delayed = config.labelDelayMillis >= 0;
        Map<String, Label> separate = config.labels.isEmpty() ? Map.of() : new HashMap<>(config.labels);
        boolean clock = delayed || !separate.isEmpty();
        PriorityQueue<Pending> pending = new PriorityQueue<>();
        Tally tally = new Tally(source, step);
        BacktestResult result = tally.result;
        BacktestEvent e = new BacktestEvent();
        long streamTime = Long.MIN_VALUE;
        long seq = 0;
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
            KeyStats ks = tally.keys.get(e.key);
            try {
                if (ks != null && e.time < ks.lastTime) {
                    throw backwards(e, ks.lastTime);
                }
                checkMagnitudes(e);
                checkFuture(e);
            } catch (BadRowException bad) {
                bad(result, bad);
                continue;
            }
            Label later = null;
            if (!separate.isEmpty() && Double.isNaN(e.label) && e.id != null) {
                later = separate.remove(ModelStore.storeKey(e.key, e.id));
                if (later != null) {
                    e.label = later.getLabel();
                }
            }
            if (clock) {
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
                step.score(e.key, e.time, e.features, delayed || later != null ? Double.NaN : e.label, store(stores, e.key), sink);
            } catch (InvalidInputException bad) {
                bad(result, new BadRowException(e.line, bad.getMessage()));
                continue;
            }
            boolean labelled = tally.scored(e, ks, means, stddevs, intervals, 0);
            if (labelled && (delayed || later != null)) {
                long due = later != null ? later.getTs() : e.time + config.labelDelayMillis;
                if (later == null && due < e.time) {
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
        result.finalStates = finalStates(stores);
        return tally.finish(step.counters());
    }

    /**
     * Share of the maximum heap the partitions' stores may fill with resident states; the keys beyond
     * it are kept as bytes (see {@link ResidentModelStore}).
     */
    static final double RESIDENT_HEAP_SHARE = 0.25;

    /**
     * One store per partition keeping each key's decoded states resident, up to
     * {@link #RESIDENT_HEAP_SHARE} of the maximum heap over all partitions.
     */
    private static ModelStore[] residentStores(ScoringStep step, int partitions) {
        long budget = (long) (Runtime.getRuntime().maxMemory() * RESIDENT_HEAP_SHARE) / partitions;
        long maxKeys = ResidentModelStore.maxKeysFor(budget, step.stateSizes());
        ModelStore[] stores = new ModelStore[partitions];
        for (int i = 0; i < partitions; i++) {
            stores[i] = step.residentStore(maxKeys);
        }
        return stores;
    }

    /** Every key's final state (store key to bytes), in key order, without the stores' internal entries. */
    private static Map<String, byte[]> finalStates(ModelStore[] stores) {
        Map<String, byte[]> states = new java.util.TreeMap<>();
        for (ModelStore s : stores) {
            ((ResidentModelStore) s).entries().forEach((storeKey, state) -> {
                if (!storeKey.startsWith("\u0000") && !ModelStore.modelName(storeKey).startsWith("\u0000")) {
                    states.put(storeKey, state);
                }
            });
        }
        return states;
    }

    /**
     * A sink writing the c-th prediction it receives ({@code c = cursor[0]}, then advanced) to
     * {@code means[c]}, {@code stddevs[c]} and its calibrated 80% and 95% bounds to
     * {@code intervals[4c, 4c + 4)}.
     */
    private static ScoringStep.Sink sink(int[] cursor, double[] means, double[] stddevs, double[] intervals) {
        return new ScoringStep.Sink() {
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
    }

    private static BadRowException backwards(BacktestEvent e, long lastTime) {
        return new BadRowException(e.line, "time goes backwards for key '" + e.key + "': " + e.time
                + " < " + lastTime + " (previous event of the key)");
    }

    /** The {@code --output} CSV's columns; {@link #INTERVAL_COLUMNS} follow when a model has intervals. */
    static final String OUTPUT_HEADER = "key,ts,model,prediction,stddev";
    /** The calibrated intervals' columns of the {@code --output} CSV. */
    static final String INTERVAL_COLUMNS = ",lower80,upper80,lower95,upper95";

    /** Whether some model of the step has calibrated intervals ({@link Conformal}). */
    static boolean hasIntervals(ScoringStep step) {
        for (ScoringStep.Model m : step.models()) {
            if (m.learner() instanceof Conformal) {
                return true;
            }
        }
        return false;
    }

    /** Events scored per round of the parallel run. */
    static final int CHUNK = 4096;

    /**
     * The run with the partitions' stores split over {@code workers} threads (partition p on worker
     * p mod workers), without a label delay: each round reads a chunk of events, the workers score the
     * events of their partitions in file order (each with its own {@link ScoringStep}: a partition's
     * events, stores and population are touched by one thread only, in the order of the one-thread run),
     * then this thread counts the chunk's events in file order. Every store sees the same sequence of
     * events as in the one-thread run, so each prediction, and hence the result and output, is the same
     * bit for bit.
     */
    private BacktestResult runParallel(EventSource source, int workers) throws IOException, BadRowException {
        int k = config.models.size();
        int partitions = config.partitions;
        ScoringStep[] steps = new ScoringStep[workers];
        for (int w = 0; w < workers; w++) {
            steps[w] = new ScoringStep(FeatureSpace.ordered(source.featureNames(), config.textBuckets), config.models, config.prior);
        }
        ModelStore[] stores = residentStores(steps[0], partitions);
        BacktestEvent[] chunk = new BacktestEvent[CHUNK];
        for (int i = 0; i < CHUNK; i++) {
            chunk[i] = new BacktestEvent();
        }
        BadRowException[] bad = new BadRowException[CHUNK];
        int[] partitionOf = new int[CHUNK];
        double[] means = new double[CHUNK * k];
        double[] stddevs = new double[CHUNK * k];
        double[] intervals = new double[4 * CHUNK * k];
        Tally tally = new Tally(source, steps[0]);
        BacktestResult result = tally.result;
        int[] count = new int[1];
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            ScoringStep step = steps[w];
            Map<String, Long> lastTimes = new HashMap<>();
            int[] cursor = new int[1];
            ScoringStep.Sink sink = sink(cursor, means, stddevs, intervals);
            tasks.add(() -> {
                for (int i = 0; i < count[0]; i++) {
                    if (bad[i] != null || partitionOf[i] % workers != worker) {
                        continue;
                    }
                    BacktestEvent e = chunk[i];
                    Long last = lastTimes.get(e.key);
                    try {
                        if (last != null && e.time < last) {
                            throw backwards(e, last);
                        }
                        checkMagnitudes(e);
                        checkFuture(e);
                        cursor[0] = i * k;
                        try {
                            step.score(e.key, e.time, e.features, e.label, stores[partitionOf[i]], sink);
                        } catch (InvalidInputException x) {
                            throw new BadRowException(e.line, x.getMessage());
                        }
                    } catch (BadRowException x) {
                        bad[i] = x;
                        partitionOf[i] = -1;
                        continue;
                    }
                    lastTimes.put(e.key, e.time);
                }
                return null;
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers - 1, r -> {
            Thread t = new Thread(r, "backtest-partitions");
            t.setDaemon(true);
            return t;
        });
        try {
            boolean end = false;
            while (!end && result.rows < config.limit) {
                int n = 0;
                while (n < CHUNK && result.rows + n < config.limit) {
                    bad[n] = null;
                    try {
                        if (!source.next(chunk[n])) {
                            end = true;
                            break;
                        }
                        partitionOf[n] = PriorSettings.partition(chunk[n].key, partitions);
                    } catch (BadRowException x) {
                        bad[n] = x;
                        partitionOf[n] = -1;
                    }
                    n++;
                }
                count[0] = n;
                List<Future<Void>> running = new ArrayList<>();
                for (int w = 1; w < workers; w++) {
                    running.add(pool.submit(tasks.get(w)));
                }
                tasks.get(0).call();
                for (Future<Void> f : running) {
                    f.get();
                }
                for (int i = 0; i < n; i++) {
                    result.rows++;
                    if (config.progress != null && (result.rows & 8191) == 0) {
                        config.progress.update(result.rows, source.position(), source.size());
                    }
                    if (bad[i] != null) {
                        bad(result, bad[i]);
                        continue;
                    }
                    tally.scored(chunk[i], null, means, stddevs, intervals, i * k);
                }
            }
        } catch (ExecutionException x) {
            Throwable cause = x.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error r) {
                throw r;
            }
            throw new IOException(cause);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } catch (IOException | BadRowException | RuntimeException | Error x) {
            throw x;
        } catch (Exception x) {
            throw new IOException(x);
        } finally {
            pool.shutdownNow();
        }
        if (config.progress != null) {
            config.progress.update(result.rows, source.position(), source.size());
        }
        ScoringStep.Counters counters = new ScoringStep.Counters();
        for (ScoringStep st : steps) {
            counters.add(st.counters());
        }
        tally.result.finalStates = finalStates(stores);
        return tally.finish(counters);
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

    /** An event too far ahead of the run's wall clock ({@link Config#maxFuture}), as live dead-letters it. */
    private void checkFuture(BacktestEvent e) throws BadRowException {
        String ahead = FutureTimes.refusal(e.time, config.now, config.maxFuture);
        if (ahead != null) {
            throw new BadRowException(e.line, FutureTimes.REASON + ": event " + ahead);
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
