package io.streamlearn.streams.cli;

import io.streamlearn.streams.backtest.Backtest;
import io.streamlearn.streams.backtest.BacktestResult;
import io.streamlearn.streams.backtest.BadRowException;
import io.streamlearn.streams.backtest.EventSource;
import io.streamlearn.streams.backtest.EventSources;
import io.streamlearn.streams.backtest.HtmlReport;
import io.streamlearn.streams.backtest.MetricsTable;
import io.streamlearn.streams.backtest.ProgressBar;
import io.streamlearn.streams.app.AppConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = {"Replays a file of events through the scoring step, prequentially (predict, then learn),",
                "and prints each model's metrics beside the mean and last baselines."})
public final class BacktestCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "CSV (key,ts,label,features...), JSON lines (.jsonl) or Avro (.avro) events; .gz accepted")
    Path input;

    @Option(names = "--model", paramLabel = "SPEC",
            description = "model SPEC, repeatable; the first is the champion. mean and last always run too."
                    + " Required unless --config or --set gives streamlearn.models.")
    List<String> models;

    @Mixin
    ConfigOptions settings = new ConfigOptions();

    @Option(names = "--output", paramLabel = "FILE", description = "write key,ts,model,prediction,stddev CSV")
    Path output;

    @Option(names = "--report", paramLabel = "FILE", description = "write a self-contained HTML report")
    Path report;

    @Option(names = "--label-delay", paramLabel = "DURATION",
            description = "learn each label only once the stream's event time passes ts + DURATION"
                    + " (e.g. 30s, 15m, 1h, 2d, 500ms, PT1H); default: at once")
    String labelDelay;

    @Option(names = "--features", paramLabel = "LIST", split = ",",
            description = "features to use, in order; NAME=* is a text feature (default: streamlearn.features,"
                    + " else every CSV feature column, or the union of names)")
    List<String> features;

    @Option(names = "--strict", description = "stop at the first bad row (exit code 1) instead of skipping it")
    boolean strict;

    @Option(names = "--limit", paramLabel = "N", description = "read at most N data rows")
    long limit = Long.MAX_VALUE;

    @Option(names = "--window", paramLabel = "N", description = "window of the rolling MSE, in labelled events (default 1000)")
    int window = 1000;

    private final PrintStream out;
    private final PrintStream err;

    /** Prints to the standard streams. */
    public BacktestCommand() {
        this(System.out, System.err);
    }

    /** Prints the table to {@code out} and diagnostics to {@code err}; for tests and embedding. */
    public BacktestCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        long delay;
        Backtest.Config config;
        AppConfig app;
        List<String> featureList = features;
        try {
            app = settings.config(Map.of());
            if (models == null && !settings.given()) {
                throw new IllegalArgumentException("Missing required option: '--model=SPEC' (or streamlearn.models in --config or --set)");
            }
            List<String> modelList = models != null ? models : app.models();
            if (featureList == null && !app.featureSpace().isHashed()) {
                featureList = app.featureSpace().names();
            }
            delay = labelDelay == null ? -1 : parseDuration(labelDelay);
            config = new Backtest.Config(modelList).labelDelayMillis(delay).strict(strict).limit(limit).window(window)
                    .collectReport(report != null).textBuckets(app.textBuckets());
        } catch (IOException e) {
            err.println("streamlearn backtest: cannot read --config " + settings.configFile + ": " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("streamlearn backtest: " + e.getMessage());
            return 2;
        }
        if (!app.eventMapping().isDefault() && !EventSources.isMapped(input)) {
            err.println("streamlearn backtest: " + input.getFileName() + " has fixed columns (key,ts,label,features...);"
                    + " the streamlearn.input.* mapping applies to JSON lines only");
        }
        ProgressBar bar = System.console() != null ? new ProgressBar(err) : null;
        config.progress(bar);
        BacktestResult result;
        try (EventSource source = EventSources.open(input, featureList, app.eventMapping());
             Writer w = output == null ? null : new BufferedWriter(
                     new OutputStreamWriter(Files.newOutputStream(output), StandardCharsets.UTF_8), 1 << 16)) {
            config.output(w);
            result = new Backtest(config).run(source);
        } catch (BadRowException e) {
            if (bar != null) {
                bar.finish();
            }
            err.println("streamlearn backtest: " + input + ": line " + e.line() + ": " + e.reason() + " (--strict: stopped)");
            return 1;
        } catch (IOException | org.apache.avro.AvroRuntimeException e) {
            if (bar != null) {
                bar.finish();
            }
            err.println("streamlearn backtest: " + input + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("streamlearn backtest: " + e.getMessage());
            return 2;
        }
        if (bar != null) {
            bar.finish();
        }
        int shown = 0;
        for (BadRowException bad : result.badRowLines()) {
            if (shown++ == 20) {
                break;
            }
            err.println(input + ": line " + bad.line() + ": " + bad.reason() + " (skipped)");
        }
        if (result.badRows() > 20) {
            err.println("... " + (result.badRows() - 20) + " more bad rows skipped");
        }
        out.print(MetricsTable.format(result));
        if (report != null) {
            try {
                HtmlReport.write(result, input.getFileName().toString(), report);
            } catch (IOException e) {
                err.println("streamlearn backtest: cannot write report " + report + ": " + e.getMessage());
                return 1;
            }
        }
        out.flush();
        return 0;
    }

    /**
     * A duration: a number with a unit ({@code ms}, {@code s}, {@code m}, {@code h}, {@code d}), an
     * ISO-8601 duration ({@code PT1H}), or a bare number of milliseconds.
     */
    static long parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p") || t.startsWith("-p")) {
                return nonNegative(Duration.parse(text.trim()).toMillis(), text);
            }
            for (String[] u : Arrays.asList(new String[] {"ms", "1"}, new String[] {"s", "1000"},
                    new String[] {"m", "60000"}, new String[] {"h", "3600000"}, new String[] {"d", "86400000"})) {
                if (t.endsWith(u[0])) {
                    String number = t.substring(0, t.length() - u[0].length()).trim();
                    if (!number.isEmpty() && number.chars().allMatch(Character::isDigit)) {
                        return nonNegative(Math.multiplyExact(Long.parseLong(number), Long.parseLong(u[1])), text);
                    }
                }
            }
            return nonNegative(Long.parseLong(t), text);
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("bad --label-delay '" + text + "' (e.g. 30s, 15m, 1h, 2d, 500ms, PT1H)");
        }
    }

    private static long nonNegative(long millis, String text) {
        if (millis < 0) {
            throw new IllegalArgumentException("--label-delay must not be negative: " + text);
        }
        return millis;
    }
}
