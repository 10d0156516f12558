package io.streamlearn.streams.demo;

import io.micrometer.core.instrument.MeterRegistry;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The demo: an embedded broker, the topology, a producer of {@link SyntheticEvents} (plus a few
 * malformed records) and a consumer of predictions that reports how the error falls as the per-key
 * models learn. The error is prequential: each labelled event is predicted before its label is
 * learned, so it measures what a model knew when it scored.
 *
 * <pre>{@code
 * Demo.Result r = new Demo(new Demo.Settings(20_000, 100), System.out).run();
 * r.mseLastQuarter() < r.mseFirstQuarter();   // the models learned
 * }</pre>
 */
public final class Demo {

    /** What to run. */
    public record Settings(int events, int keys, List<String> models, double noise, double labelledFraction,
                           int malformed, WireFormat inputFormat, long seed, Duration timeout) {
        public Settings(int events, int keys) {
            this(events, keys, List.of(AppConfig.DEFAULT_MODEL), 0.1, 0.7, 4, WireFormat.AVRO, 42L, Duration.ofMinutes(10));
        }
    }

    /** What happened. MSEs are NaN when a quarter had no labelled events. */
    public record Result(long events, long predictions, long deadLetters, Map<String, Long> deadLetterReasons,
                         double mseFirstQuarter, double mseLastQuarter, double noiseVariance, double seconds) {
        public double eventsPerSecond() {
            return seconds > 0 ? events / seconds : Double.NaN;
        }
    }

    private static final List<String> FEATURES = List.of("x1", "x2", "x3");

    private final Settings settings;
    private final PrintStream out;
    private final MeterRegistry registry;

    public Demo(Settings settings, PrintStream out) {
        this(settings, out, null);
    }

    /** @param registry receives the application's {@code streamlearn_*} meters, or null for none */
    public Demo(Settings settings, PrintStream out, MeterRegistry registry) {
        this.registry = registry;
        if (settings.events() < 1 || settings.keys() < 1 || settings.malformed() < 0) {
            throw new IllegalArgumentException("need events >= 1, keys >= 1 and malformed >= 0");
        }
        this.settings = settings;
        this.out = out;
    }

    /**
     * Runs the demo to the end.
     *
     * @throws IllegalStateException if the predictions do not all arrive within the timeout
     */
    public Result run() throws IOException, InterruptedException {
        Path stateDir = Files.createTempDirectory("streamlearn-demo-state-");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            AppConfig config = AppConfig.defaults()
                    .with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers())
                    .with(AppConfig.APPLICATION_ID_KEY, "streamlearn-demo")
                    .with(AppConfig.STATE_DIR_KEY, stateDir.toString())
                    .with(AppConfig.MODELS_KEY, String.join(";", settings.models()))
                    .with(AppConfig.FEATURES_KEY, String.join(",", FEATURES))
                    // one instance: no second one to keep the default standby (Kafka Streams would warn on every rebalance)
                    .with("num.standby.replicas", "0");
            broker.createTopics(1, config.topics());
            out.printf(Locale.ROOT, "Embedded broker at %s; model %s; %d events over %d keys, %.0f%% labelled, noise sd %.2f%n",
                    broker.bootstrapServers(), config.models().get(0), settings.events(), settings.keys(),
                    100 * settings.labelledFraction(), settings.noise());
            try (StreamlearnApp app = registry == null ? new StreamlearnApp(config) : new StreamlearnApp(config, registry)) {
                app.start();
                if (!app.awaitRunning(Duration.ofSeconds(120))) {
                    throw new IllegalStateException("Kafka Streams did not start within 120 s (state " + app.state() + ")");
                }
                return produceAndWatch(broker, config);
            }
        } finally {
            deleteQuietly(stateDir);
        }
    }

    private Result produceAndWatch(EmbeddedKafkaBroker broker, AppConfig config) throws InterruptedException {
        int n = settings.events();
        SyntheticEvents gen = new SyntheticEvents(settings.seed(), settings.keys(), FEATURES, settings.noise(),
                settings.labelledFraction());
        long start = System.nanoTime();
        Thread producer = new Thread(() -> produce(broker, config, gen), "demo-producer");
        producer.setDaemon(true);
        producer.start();

        double[] squaredErrorsByDecile = new double[10];
        long[] labelledByDecile = new long[10];
        double sumFirstQuarter = 0;
        long nFirstQuarter = 0;
        double sumLastQuarter = 0;
        long nLastQuarter = 0;
        long predictions = 0;
        long deadLetters = 0;
        Map<String, Long> reasons = new TreeMap<>();
        int reportedDeciles = 0;
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        try (KafkaConsumer<String, byte[]> consumer = consumer(broker)) {
            consumer.subscribe(List.of(config.predictionsTopic(), config.deadLettersTopic()));
            while (predictions < n || deadLetters < settings.malformed()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out after " + settings.timeout() + ": " + predictions
                            + " of " + n + " predictions, " + deadLetters + " dead letters");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(config.deadLettersTopic())) {
                        DeadLetter d = decode(() -> WireCodec.decodeDeadLetter(r.value()));
                        reasons.merge(d.getReason(), 1L, Long::sum);
                        deadLetters++;
                        continue;
                    }
                    Prediction p = decode(() -> WireCodec.decodePrediction(r.value()));
                    int decile = (int) Math.min(9, predictions * 10 / n);
                    predictions++;
                    if (p.getLabel() != null) {
                        double e = p.getPrediction() - p.getLabel();
                        squaredErrorsByDecile[decile] += e * e;
                        labelledByDecile[decile]++;
                        if (predictions <= n / 4) {
                            sumFirstQuarter += e * e;
                            nFirstQuarter++;
                        } else if (predictions > n - n / 4) {
                            sumLastQuarter += e * e;
                            nLastQuarter++;
                        }
                    }
                    while (reportedDeciles < 10 && predictions >= (long) (reportedDeciles + 1) * n / 10) {
                        double secs = (System.nanoTime() - start) / 1e9;
                        out.printf(Locale.ROOT, "[%3d%%] %7d predictions  MSE over this 10%%: %8.4f  (%6.0f events/s so far)%n",
                                (reportedDeciles + 1) * 10, predictions,
                                squaredErrorsByDecile[reportedDeciles] / Math.max(1, labelledByDecile[reportedDeciles]),
                                predictions / secs);
                        reportedDeciles++;
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        producer.join(10_000);
        return new Result(n, predictions, deadLetters, reasons,
                nFirstQuarter == 0 ? Double.NaN : sumFirstQuarter / nFirstQuarter,
                nLastQuarter == 0 ? Double.NaN : sumLastQuarter / nLastQuarter,
                settings.noise() * settings.noise(), seconds);
    }

    private void produce(EmbeddedKafkaBroker broker, AppConfig config, SyntheticEvents gen) {
        int n = settings.events();
        int bad = settings.malformed();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            int badSent = 0;
            for (int i = 0; i < n; i++) {
                // Spread the malformed records evenly through the stream.
                while (badSent < bad && (long) badSent * n <= (long) i * bad) {
                    BadRecords.Bad b = BadRecords.example(badSent, gen);
                    producer.send(new ProducerRecord<>(config.eventsTopic(), b.key(), b.value()));
                    badSent++;
                }
                Event e = gen.next();
                producer.send(new ProducerRecord<>(config.eventsTopic(), e.getKey(), WireCodec.encode(e, settings.inputFormat())));
            }
            while (badSent < bad) {
                BadRecords.Bad b = BadRecords.example(badSent++, gen);
                producer.send(new ProducerRecord<>(config.eventsTopic(), b.key(), b.value()));
            }
            producer.flush();
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(EmbeddedKafkaBroker broker) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "streamlearn-demo-reader");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private interface Decoder<T> {
        T decode() throws MalformedRecordException;
    }

    private static <T> T decode(Decoder<T> d) {
        try {
            return d.decode();
        } catch (MalformedRecordException e) {
            throw new IllegalStateException("the topology wrote a record its own codec cannot read: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory
        }
    }

}
