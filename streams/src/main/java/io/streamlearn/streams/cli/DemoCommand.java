package io.streamlearn.streams.cli;

import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.streamlearn.streams.demo.Demo;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import io.streamlearn.streams.metrics.StreamlearnMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code streamlearn demo}: everything in one process, on synthetic data with known truth, ending
 * with a summary. Exits 0 when every event was predicted and every malformed record dead-lettered.
 *
 * <pre>{@code
 * ./streamlearn demo --events 20000 --keys 100
 * }</pre>
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
                "Shows the models learning: embedded Kafka, the topology and synthetic data.",
                "",
                "Starts an embedded Kafka broker and the topology, produces synthetic events (each key "
                        + "has its own linear relation y = w.x + b + noise; some events carry their label) "
                        + "plus a few malformed records, and consumes the predictions, printing the "
                        + "prediction error for every 10%% of events. Ends with a summary; exits with 0 when "
                        + "every event was predicted and every malformed record went to dead-letters.",
                "",
                "Example:",
                "  ./streamlearn demo --events 20000 --keys 100",
                ""},
        sortOptions = false)
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--events", paramLabel = "N", description = "Valid events to produce. Default: ${DEFAULT-VALUE}.")
    int events = 20_000;

    @Option(names = "--keys", paramLabel = "K", description = "Entity keys, each with its own model. Default: ${DEFAULT-VALUE}.")
    int keys = 100;

    @Option(names = "--model", paramLabel = "SPEC",
            description = "Model SPEC NAME[:param=value,...]; repeat for challengers (the first is the champion). Default: " + AppConfig.DEFAULT_MODEL + ".")
    List<String> models = new ArrayList<>();

    @Option(names = "--labelled", paramLabel = "FRACTION", description = "Fraction of events carrying their label. Default: ${DEFAULT-VALUE}.")
    double labelled = 0.7;

    @Option(names = "--noise", paramLabel = "SD", description = "Label noise standard deviation. Default: ${DEFAULT-VALUE}.")
    double noise = 0.1;

    @Option(names = "--malformed", paramLabel = "M", description = "Malformed records mixed in. Default: ${DEFAULT-VALUE}.")
    int malformed = 4;

    @Option(names = "--input-format", paramLabel = "avro|json", description = "Format of the produced events. Default: avro.")
    String inputFormat = "avro";

    @Option(names = "--seed", paramLabel = "N", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed = 42;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class,
            description = "Give up after this long. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        List<String> m = models.isEmpty() ? List.of(AppConfig.DEFAULT_MODEL) : models;
        Demo.Settings s = new Demo.Settings(events, keys, m, noise, labelled, malformed,
                WireFormat.parse(inputFormat), seed, timeout);
        try (StreamlearnMetrics metrics = new StreamlearnMetrics()) {
            Demo.Result r = new Demo(s, System.out, metrics.registry()).run();
            System.out.println();
            System.out.printf(Locale.ROOT, "events        %d%n", r.events());
            System.out.printf(Locale.ROOT, "predictions   %d%n", r.predictions());
            System.out.printf(Locale.ROOT, "dead letters  %d %s%n", r.deadLetters(), r.deadLetterReasons());
            System.out.printf(Locale.ROOT, "MSE           first quarter %.4f, last quarter %.4f (noise variance %.4f)%n",
                    r.mseFirstQuarter(), r.mseLastQuarter(), r.noiseVariance());
            System.out.printf(Locale.ROOT, "throughput    %.0f events/s end to end (%.1f s)%n", r.eventsPerSecond(), r.seconds());
            printMeters(metrics);
            boolean ok = r.predictions() == r.events() && r.deadLetters() == malformed;
            return ok ? 0 : 1;
        }
    }

    /** The application's own view, from its meters: rolling error per model and processing time. */
    private static void printMeters(StreamlearnMetrics metrics) {
        for (Gauge g : metrics.registry().find("streamlearn.model.error").gauges()) {
            System.out.printf(Locale.ROOT, "rolling %-5s  %.4f %s (its last %d labelled events, streamlearn_model_error)%n",
                    g.getId().getTag("metric"), g.value(), g.getId().getTag("model"), StreamlearnMeters.DEFAULT_ERROR_WINDOW);
        }
        // The synthetic events have fixed timestamps in the past, so only the processing time means something here.
        Timer processing = metrics.registry().find("streamlearn.processing").tag("route", "events").timer();
        if (processing != null) {
            System.out.printf(Locale.ROOT, "processing    mean %.1f µs, max %.1f ms per scored event (streamlearn_processing_seconds)%n",
                    processing.mean(TimeUnit.MICROSECONDS), processing.max(TimeUnit.MILLISECONDS));
        }
    }
}
