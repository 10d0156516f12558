package io.streamlearn.streams.integration;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.Replay;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.cli.BacktestCommand;
import io.streamlearn.streams.cli.StreamlearnCommand;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same events through the live topology on a real broker ({@code streamlearn replay} of a time range)
 * and through {@code streamlearn backtest} from a file holding exactly that range: the predictions agree
 * as bit patterns, for every event and model.
 */
class ReplayIT {

    @TempDir
    Path dir;

    private static final String FEATURES = "PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,WSPM,wd_sin,wd_cos";

    private static Path dataset() {
        return io.streamlearn.streams.RepositoryFiles.dataset("beijing_air_quality.csv.gz");
    }

    /** The first rows of the Beijing dataset: a header, then {@link #ROWS} events, hourly per station. */
    private static final int ROWS = 6_000;
    private static final long FROM = Instant.parse("2013-03-02T00:00:00Z").toEpochMilli();
    private static final long TO = Instant.parse("2013-03-12T00:00:00Z").toEpochMilli();
    /** Labels observed 30 minutes after their event: between two hourly events, never tied with one. */
    private static final long LABEL_DELAY_MS = 30 * 60_000L;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldReplayATimeRangeBitForBitLikeTheBacktestOfThatRange() throws Exception {
        List<String> lines = rows();
        Path rangeCsv = dir.resolve("range.csv");
        int inRange = writeRange(lines, rangeCsv);
        Map<String, Long> live;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(3, "events");
            try (KafkaProducer<String, byte[]> producer = TestClients.producer(broker)) {
                for (int i = 1; i < lines.size(); i++) {
                    Event e = event(lines, i, true);
                    producer.send(new ProducerRecord<>("events", null, e.getTs(), e.getKey(), WireCodec.encode(e, WireFormat.AVRO)));
                }
            }
            assertEquals(0, replay(broker, "replayed"));
            live = predictions(broker, "replayed", 2 * inRange);
        }
        assertEquals(2 * inRange, live.size(), "one prediction per replayed event per model");
        assertEquals(2 * inRange, compareWithBacktest(rangeCsv, live));
    }

    /**
     * Delayed labels on the labels topic (every event sent unlabelled, its label 30 minutes later) are
     * joined in the replay exactly as {@code backtest --label-delay 30m} learns them; the live
     * model-control topic, which here names another default model and asks to forget a key, is not
     * read: the replay runs the given models and acknowledges nothing on the live {@code forget-acks}.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldJoinTheRangesDelayedLabelsLikeTheBacktestWithThatDelayAndIgnoreLiveModelControl() throws Exception {
        List<String> lines = rows();
        Path rangeCsv = dir.resolve("range.csv");
        int inRange = writeRange(lines, rangeCsv);
        Map<String, Long> live;
        Map<String, Long> lastVersion = new HashMap<>();
        String forgotten;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(3, "events", "labels");
            broker.createTopics(1, "model-control", "forget-acks");
            int labels = 0;
            try (KafkaProducer<String, byte[]> producer = TestClients.producer(broker)) {
                for (int i = 1; i < lines.size(); i++) {
                    Event e = event(lines, i, false);
                    producer.send(new ProducerRecord<>("events", null, e.getTs(), e.getKey(), WireCodec.encode(e, WireFormat.AVRO)));
                    String label = lines.get(i).split(",", -1)[2];
                    if (!label.isEmpty()) {
                        long seen = e.getTs() + LABEL_DELAY_MS;
                        Label l = Label.newBuilder().setId(e.getId()).setKey(e.getKey()).setTs(seen)
                                .setLabel(Double.parseDouble(label)).build();
                        producer.send(new ProducerRecord<>("labels", null, seen, l.getKey(), WireCodec.encode(l, WireFormat.AVRO)));
                        labels++;
                    }
                }
                forgotten = event(lines, 1, false).getKey();
                producer.send(new ProducerRecord<>("model-control", "default",
                        "{\"scope\":\"default\",\"models\":[\"kalman\"],\"champion\":\"kalman\"}".getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>("model-control", "forget:" + forgotten, "{}".getBytes(StandardCharsets.UTF_8)));
            }
            assertTrue(labels > inRange, "labels sent: " + labels);
            assertEquals(0, replay(broker, "replayed"));
            live = predictions(broker, "replayed", 2 * inRange, lastVersion);
            assertEquals(List.of(), read(broker, "forget-acks", Duration.ofSeconds(2)),
                    "a replay acknowledges no live forget request");
        }
        assertEquals(2 * inRange, live.size(), "one prediction per replayed event per model (not the control's kalman)");
        assertTrue(lastVersion.getOrDefault("sgd@" + forgotten, 0L) > 0, "the key was not forgotten: " + lastVersion);
        // every model learned from the joined labels: versions count labels learned, none inline
        long learned = 0;
        for (long v : lastVersion.values()) {
            learned += v;
        }
        assertTrue(learned > inRange, "versions grew through delayed labels: " + lastVersion);
        assertEquals(2 * inRange, compareWithBacktest(rangeCsv, live, "--label-delay", "30m"));
    }

    /**
     * A replay of a three-partition topic on one stream thread ({@code --threads 1}) and on the default
     * threads, one per partition up to one per processor (partitions are stream tasks, each run by one
     * thread at a time in its records' order): the same predictions, bit for bit.
     */
    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void shouldReplayThePartitionsOnSeveralThreadsWithTheSamePredictions() throws Exception {
        List<String> lines = rows();
        long to = FROM + 3 * 86_400_000L;   // three days of the range: about 860 events
        int inRange = 0;
        for (int i = 1; i < lines.size(); i++) {
            long ts = Instant.parse(lines.get(i).split(",", 3)[1]).toEpochMilli();
            if (ts >= FROM && ts < to) {
                inRange++;
            }
        }
        assertTrue(inRange > 500, "the range holds " + inRange + " events");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(3, "events");
            try (KafkaProducer<String, byte[]> producer = TestClients.producer(broker)) {
                for (int i = 1; i < lines.size(); i++) {
                    Event e = event(lines, i, true);
                    producer.send(new ProducerRecord<>("events", null, e.getTs(), e.getKey(), WireCodec.encode(e, WireFormat.AVRO)));
                }
            }
            assertEquals(0, StreamlearnCommand.commandLine().execute("replay", "--bootstrap-servers",
                    broker.bootstrapServers(), "--topic", "events", "--from", Long.toString(FROM), "--to", Long.toString(to),
                    "--model", "sgd", "--model", "ema+sgd", "--features", FEATURES, "--output-topic", "one",
                    "--timeout", "PT6M", "--threads", "1"));
            Map<String, Long> single = predictions(broker, "one", 2 * inRange);
            AppConfig config = AppConfig.defaults()
                    .with(AppConfig.BOOTSTRAP_SERVERS_KEY, broker.bootstrapServers())
                    .with(AppConfig.MODELS_KEY, "sgd;ema+sgd")
                    .with(AppConfig.FEATURES_KEY, FEATURES);
            Replay.Result byDefault = Replay.run(config, "events", FROM, to, "many", Duration.ofMinutes(6));
            Map<String, Long> parallel = predictions(broker, "many", 2 * inRange);
            assertTrue(byDefault.completed());
            assertEquals(Math.min(3, Runtime.getRuntime().availableProcessors()), byDefault.threads());
            assertEquals(2 * inRange, single.size(), "one prediction per replayed event per model");
            assertEquals(single, parallel, byDefault.threads() + " threads against one");
        }
    }

    private static List<String> rows() throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(dataset())), StandardCharsets.UTF_8))) {
            return r.lines().limit(ROWS + 1L).toList();
        }
    }

    /** Writes the header and the rows in [FROM, TO) to a CSV file; returns how many rows. */
    private static int writeRange(List<String> lines, Path csv) throws Exception {
        int inRange = 0;
        try (BufferedWriter range = Files.newBufferedWriter(csv)) {
            range.write(lines.get(0));
            range.write('\n');
            for (int i = 1; i < lines.size(); i++) {
                long ts = Instant.parse(lines.get(i).split(",", 3)[1]).toEpochMilli();
                if (ts >= FROM && ts < TO) {
                    range.write(lines.get(i));
                    range.write('\n');
                    inRange++;
                }
            }
        }
        assertTrue(inRange > 2000, "the range holds " + inRange + " events");
        return inRange;
    }

    /** Row {@code i} as an event with id {@code e<i>}, with its label or without. */
    private static Event event(List<String> lines, int i, boolean withLabel) {
        String[] header = lines.get(0).split(",", -1);
        String[] f = lines.get(i).split(",", -1);
        Map<String, Double> x = new HashMap<>();
        for (int j = 3; j < f.length; j++) {
            if (!f[j].isEmpty()) {
                x.put(header[j], Double.valueOf(f[j]));
            }
        }
        return Event.newBuilder().setId("e" + i).setKey(f[0]).setTs(Instant.parse(f[1]).toEpochMilli()).setFeatures(x)
                .setLabel(!withLabel || f[2].isEmpty() ? null : Double.valueOf(f[2])).build();
    }

    private static int replay(EmbeddedKafkaBroker broker, String output) {
        return StreamlearnCommand.commandLine().execute("replay", "--bootstrap-servers", broker.bootstrapServers(),
                "--topic", "events", "--from", "2013-03-02T00:00:00Z", "--to", Long.toString(TO),
                "--model", "sgd", "--model", "ema+sgd", "--features", FEATURES, "--output-topic", output,
                "--timeout", "PT3M");
    }

    private static Map<String, Long> predictions(EmbeddedKafkaBroker broker, String output, int expected) throws Exception {
        return predictions(broker, output, expected, new HashMap<>());
    }

    /** Prediction bits by {@code key@ts@model}, from the replay's champion and shadow topics. */
    private static Map<String, Long> predictions(EmbeddedKafkaBroker broker, String output, int expected,
                                                 Map<String, Long> lastVersion) throws Exception {
        Map<String, Long> live = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = TestClients.consumer(broker)) {
            consumer.subscribe(List.of(output, output + "-shadow"));
            TestClients.pollUntil(consumer, Duration.ofSeconds(60), () -> live.size() >= expected, r -> {
                Prediction pr = WireCodec.decodePrediction(r.value());
                live.put(pr.getKey() + "@" + pr.getTs() + "@" + pr.getModel(), Double.doubleToRawLongBits(pr.getPrediction()));
                lastVersion.merge(pr.getModel() + "@" + pr.getKey(), pr.getVersion(), Math::max);
            });
        }
        return live;
    }

    private static List<String> read(EmbeddedKafkaBroker broker, String topic, Duration d) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = TestClients.consumer(broker)) {
            consumer.subscribe(List.of(topic));
            TestClients.pollFor(consumer, d, r -> out.add(r.key() + " " + new String(r.value(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Backtests the range file with the replay's models; returns how many predictions matched bit for bit. */
    private int compareWithBacktest(Path rangeCsv, Map<String, Long> live, String... extra) throws Exception {
        Path out = dir.resolve("backtest-" + extra.length + ".csv");
        List<String> args = new java.util.ArrayList<>(List.of("--input", rangeCsv.toString(), "--model", "sgd",
                "--model", "ema+sgd", "--features", FEATURES, "--output", out.toString()));
        args.addAll(List.of(extra));
        int code = new CommandLine(new BacktestCommand(new PrintStream(java.io.OutputStream.nullOutputStream()), System.err))
                .execute(args.toArray(String[]::new));
        assertEquals(0, code);
        int compared = 0;
        List<String> rows = Files.readAllLines(out);
        for (String l : rows.subList(1, rows.size())) {
            String[] f = l.split(",", -1);
            if (f[2].equals("mean") || f[2].equals("last")) {
                continue;   // the backtest's own baselines; the replay ran only the given models
            }
            Long bits = live.get(f[0] + "@" + f[1] + "@" + f[2]);
            assertNotNull(bits, "replay has no prediction for " + l);
            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(f[3])), (long) bits, l);
            compared++;
        }
        return compared;
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaBroker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
