package io.streamlearn.streams.cli;

import io.streamlearn.streams.backtest.Backtest;
import io.streamlearn.streams.backtest.BacktestResult;
import io.streamlearn.streams.backtest.BadRowException;
import io.streamlearn.streams.backtest.EventSource;
import io.streamlearn.streams.backtest.EventSources;
import io.streamlearn.streams.backtest.HtmlReport;
import io.streamlearn.streams.backtest.MetricsTable;
import io.streamlearn.streams.backtest.StateSummary;
import io.streamlearn.streams.backtest.ProgressBar;
import io.streamlearn.streams.score.PriorSettings;
import io.streamlearn.streams.migration.ModelTransfer;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.ModelExport;
import io.streamlearn.state.ModelStore;
import io.streamlearn.streams.app.AppConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code streamlearn backtest}: replays a file of events through the same scoring step as the live
 * topology, prequentially, and prints each model's metrics beside the {@code mean} and {@code last}
 * baselines. See {@link Backtest} for when delayed labels are learned.
 *
 * <pre>{@code
 * streamlearn backtest --input events.csv.gz --model sgd:lr=0.05 --label-delay 1h \
 *     --output predictions.csv --report report.html
 * streamlearn backtest --input transactions.jsonl --config examples/transactions.properties
 * }</pre>
 * {@code --config} and {@code --set} read the same settings as {@code run}: models and features when
 * {@code --model} and {@code --features} are not given, {@code streamlearn.features.text-buckets}, and the
 * field mapping {@code streamlearn.input.*} of JSON-lines input.
 * Exit codes: 0 done; 1 stopped at a bad row ({@code --strict}) or the input could not be read;
 * 2 bad arguments.
 */
@Command(name = "backtest",
        mixinStandardHelpOptions = true,
        description = {
                "Replays a file of events through the scoring step and compares the models.",
                "",
                "Runs every event of the file through the same scoring step as the live topology, "
                        + "prequentially (each event is predicted, then its label learned), and prints each "
                        + "model's metrics beside the mean and last baselines. Bad rows are skipped and listed "
                        + "(or stop the run with --strict). Shows its progress on a terminal.",
                "",
                "Example:",
                "  ./streamlearn backtest --input datasets/bike_sharing_hourly.csv --model kalman --model sgd "
                        + "--label-delay 1h --report report.html",
                ""},
        sortOptions = false)
public final class BacktestCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "Events: CSV (key,ts,label,features...), JSON lines (.jsonl) or Avro (.avro), "
                    + "optionally gzipped (.gz); - reads standard input (format detected from its content).")
    Path input;

    @Option(names = "--model", paramLabel = "SPEC",
            description = "Model SPEC NAME[:param=value,...]; repeat for challengers (the first is the champion). "
                    + "The mean and last baselines always run too. Required unless --config or --set gives streamlearn.models.")
    List<String> models;

    @Mixin
    ConfigOptions settings = new ConfigOptions();

    @Option(names = "--features", paramLabel = "NAME", split = ",",
            description = "Ordered feature names, comma-separated; NAME=* is a text feature. Default: streamlearn.features "
                    + "from --config, else every CSV feature column, or the union of names.")
    List<String> features;

    @Option(names = "--label-delay", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Learn each label only once the stream's event time passes ts + DURATION "
                    + "(500ms, 30s, 15m, 2d, PT1H). Default: at once.")
    Duration labelDelay;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "Labels that came apart from their events, as on the labels topic: JSON lines "
                    + "{\"id\", \"key\", \"ts\", \"label\"}. Each is learned once the stream's event time passes its ts, "
                    + "as the live task does; the input's events must carry ids and be sorted by time.")
    Path labels;

    @Option(names = "--final-states", paramLabel = "FILE",
            description = "Write every key's final model states (not the baselines') to an Avro file, in the "
                    + "format of streamlearn export, to compare with a live application's.")
    Path finalStates;

    @Option(names = "--output", paramLabel = "FILE", description = "Write every prediction as CSV: key,ts,model,prediction,stddev, and lower80,upper80,lower95,upper95 when a model has calibrated intervals.")
    Path output;

    @Option(names = "--report", paramLabel = "FILE", description = "Write a self-contained HTML report.")
    Path report;

    @Option(names = "--strict", description = "Stop at the first bad row (exit code 1) instead of skipping it.")
    boolean strict;

    @Option(names = "--limit", paramLabel = "N", description = "Read at most N data rows. Default: all.")
    long limit = Long.MAX_VALUE;

    @Option(names = "--window", paramLabel = "N", description = "Window of the rolling MSE, in labelled events. Default: ${DEFAULT-VALUE}.")
    int window = 1000;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Partitions of the live events topic to reproduce: each learns its own population prior"
                    + " from the keys Kafka's default partitioner gives it. Default: 1.")
    int partitions = 1;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads that score the --partitions in parallel (used without --label-delay; the result is"
                    + " the same for any N). Default: the number of processors.")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--prior", paramLabel = "MODE",
            description = "How new keys start: population (from their partition's population) or none. Default: population.")
    String prior = PriorSettings.DEFAULT_MODE;

    @Option(names = "--prior-min-keys", paramLabel = "N",
            description = "Keys that must contribute before a partition's population is used. Default: 100.")
    int priorMinKeys = PriorSettings.DEFAULT_MIN_KEYS;

    @Option(names = "--prior-every", paramLabel = "N",
            description = "A key contributes at update 1, 2, 4, ... up to N, then every N updates. Default: 64.")
    int priorEvery = PriorSettings.DEFAULT_EVERY;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;

    /** Prints to the standard streams. */
    public BacktestCommand() {
        this(System.out, System.err, System.in);
    }

    /** Prints the table to {@code out} and diagnostics to {@code err}; for tests and embedding. */
    public BacktestCommand(PrintStream out, PrintStream err) {
        this(out, err, System.in);
    }

    /** Also reads {@code --input -} from {@code in}. */
    public BacktestCommand(PrintStream out, PrintStream err, InputStream in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    /** A JSON-lines file of labels; a line that is not a label is an error naming its number. */
    static List<Label> readLabels(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(Files.exists(file) ? "not a file" : "no such file");
        }
        List<Label> out = new java.util.ArrayList<>();
        int n = 0;
        try (java.io.BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.add(io.streamlearn.schemas.wire.WireCodec.decodeLabel(line.getBytes(StandardCharsets.UTF_8)));
                } catch (io.streamlearn.schemas.wire.MalformedRecordException e) {
                    throw new IOException("line " + n + ": " + e.getMessage());
                }
            }
        }
        return out;
    }

    @Override
    public Integer call() {
        long delay = labelDelay == null ? -1 : labelDelay.toMillis();
        List<String> userModels;
        Backtest.Config config;
        AppConfig app;
        List<String> featureList = features;
        if (settings.configFile != null && !Files.isRegularFile(settings.configFile)) {
            err.println("streamlearn backtest: --config " + settings.configFile + ": no such file");
            return 2;
        }
        try {
            app = settings.config(Map.of());
            if (models == null && !settings.given()) {
                throw new IllegalArgumentException("Missing required option: '--model=SPEC' (or streamlearn.models in --config or --set)");
            }
            List<String> modelList = models != null ? models : app.models();
            userModels = modelList;
            if (featureList == null && !app.featureSpace().isHashed()) {
                featureList = app.featureSpace().names();
            }
            config = new Backtest.Config(modelList).labelDelayMillis(delay).strict(strict).limit(limit).window(window)
                    .collectReport(report != null).textBuckets(app.textBuckets()).partitions(partitions).threads(threads)
                    .prior(new PriorSettings(PriorSettings.parseMode(prior), priorMinKeys, priorEvery))
                    .maxFuture(app.maxFuture(), System.currentTimeMillis());
        } catch (IOException e) {
            err.println("streamlearn backtest: cannot read --config " + settings.configFile + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("streamlearn backtest: " + e.getMessage());
            return 2;
        }
        boolean stdin = input.toString().equals("-");
        if (!stdin && !Files.isRegularFile(input)) {
            err.println("streamlearn backtest: --input " + input + ": " + (Files.exists(input) ? "not a file" : "no such file"));
            return 2;
        }
        for (Path p : new Path[] {output, report, finalStates}) {
            Path dir = p == null ? null : p.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                err.println("streamlearn backtest: " + (p == output ? "--output " : p == report ? "--report " : "--final-states ")
                        + p + ": no such directory " + dir);
                return 2;
            }
        }
        if (labels != null) {
            try {
                config.labels(readLabels(labels));
            } catch (IOException e) {
                err.println("streamlearn backtest: --labels " + labels + ": " + e.getMessage());
                return 2;
            }
        }
        ProgressBar bar = System.console() != null ? new ProgressBar(err) : null;
        config.progress(bar);
        BacktestResult result;
        Path file = input;
        String label = stdin ? "standard input" : input.toString();
        try {
            if (stdin) {
                file = StandardInput.toFile(in);
            }
        } catch (IOException e) {
            err.println("streamlearn backtest: cannot read standard input: " + e.getMessage());
            return 1;
        }
        if (!app.eventMapping().isDefault() && !EventSources.isMapped(file)) {
            err.println("streamlearn backtest: " + (stdin ? label : input.getFileName()) + " has fixed columns (key,ts,label,features...);"
                    + " the streamlearn.input.* mapping applies to JSON lines only");
        }
        try (EventSource source = EventSources.open(file, featureList, app.eventMapping());
             Writer w = output == null ? null : new BufferedWriter(
                     new OutputStreamWriter(Files.newOutputStream(output), StandardCharsets.UTF_8), 1 << 16)) {
            config.output(w);
            result = new Backtest(config).run(source);
        } catch (BadRowException e) {
            if (bar != null) {
                bar.finish();
            }
            err.println("streamlearn backtest: " + label + ": line " + e.line() + ": " + e.reason() + " (--strict: stopped)");
            return 1;
        } catch (IOException | org.apache.avro.AvroRuntimeException e) {
            if (bar != null) {
                bar.finish();
            }
            err.println("streamlearn backtest: " + label + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("streamlearn backtest: " + e.getMessage());
            return 2;
        } finally {
            if (stdin) {
                StandardInput.delete(file);
            }
        }
        if (bar != null) {
            bar.finish();
        }
        int shown = 0;
        for (BadRowException bad : result.badRowLines()) {
            if (shown++ == 20) {
                break;
            }
            err.println(label + ": line " + bad.line() + ": " + bad.reason() + " (skipped)");
        }
        if (result.badRows() > 20) {
            err.println("... " + (result.badRows() - 20) + " more bad rows skipped");
        }
        out.print(MetricsTable.format(result));
        if (result.models().stream().anyMatch(m -> m.startsWith("auto"))) {
            err.print(StateSummary.format(result));     // auto's candidates: weights and state per key (stdout keeps the table alone)
        }
        if (finalStates != null) {
            try {
                List<ModelExport> states = new java.util.ArrayList<>();
                result.finalStates().forEach((storeKey, state) -> {
                    String model = ModelStore.modelName(storeKey);
                    if (!Backtest.BASELINES.contains(model) || userModels.contains(model)) {
                        states.add(new ModelExport(ModelStore.entityKey(storeKey), model, java.nio.ByteBuffer.wrap(state)));
                    }
                });
                ModelTransfer.write(states, finalStates);
                err.println("final states: " + states.size() + " models written to " + finalStates);
            } catch (IOException e) {
                err.println("streamlearn backtest: cannot write --final-states " + finalStates + ": " + e.getMessage());
                return 1;
            }
        }
        if (report != null) {
            try {
                HtmlReport.write(result, stdin ? label : input.getFileName().toString(), report);
            } catch (IOException e) {
                err.println("streamlearn backtest: cannot write report " + report + ": " + e.getMessage());
                return 1;
            }
        }
        out.flush();
        return 0;
    }
}
