package io.streamlearn.streams.integration;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.broker.EmbeddedKafkaBroker;
import io.streamlearn.streams.cli.BacktestCommand;
import io.streamlearn.streams.cli.StreamlearnCommand;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
        for (String base : new String[] {"../../shared/datasets", "../shared/datasets"}) {
            Path p = Path.of(base, "beijing_air_quality.csv.gz");
            if (Files.exists(p)) {
                return p;
            }
        }
        throw new AssertionError("shared dataset beijing_air_quality.csv.gz not found");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldReplayATimeRangeBitForBitLikeTheBacktestOfThatRange() throws Exception {
        int n = 6_000;
        List<String> lines;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(dataset())), StandardCharsets.UTF_8))) {
            lines = r.lines().limit(n + 1L).toList();
        }
        String[] header = lines.get(0).split(",", -1);
        long from = Instant.parse("2013-03-02T00:00:00Z").toEpochMilli();
        long to = Instant.parse("2013-03-12T00:00:00Z").toEpochMilli();
        Path rangeCsv = dir.resolve("range.csv");
        int inRange = 0;
        Map<String, Long> live = new HashMap<>();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             BufferedWriter range = Files.newBufferedWriter(rangeCsv)) {
            broker.createTopics(3, "events");
            range.write(lines.get(0));
            range.write('\n');
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 1; i <= n; i++) {
                    String[] f = lines.get(i).split(",", -1);
                    long ts = Instant.parse(f[1]).toEpochMilli();
                    Map<String, Double> x = new HashMap<>();
                    for (int j = 3; j < f.length; j++) {
                        if (!f[j].isEmpty()) {
                            x.put(header[j], Double.valueOf(f[j]));
                        }
                    }
                    Event e = Event.newBuilder().setId("e" + i).setKey(f[0]).setTs(ts).setFeatures(x)
                            .setLabel(f[2].isEmpty() ? null : Double.valueOf(f[2])).build();
                    producer.send(new ProducerRecord<>("events", null, ts, f[0], WireCodec.encode(e, WireFormat.AVRO)));
                    if (ts >= from && ts < to) {
                        range.write(lines.get(i));
                        range.write('\n');
                        inRange++;
                    }
                }
            }
            range.close();
            assertTrue(inRange > 2000, "the range holds " + inRange + " events");

            int code = StreamlearnCommand.commandLine().execute("replay", "--bootstrap-servers", broker.bootstrapServers(),
                    "--topic", "events", "--from", "2013-03-02T00:00:00Z", "--to", Long.toString(to),
                    "--model", "sgd", "--model", "ema+sgd", "--features", FEATURES, "--output-topic", "replayed",
                    "--timeout", "PT3M");
            assertEquals(0, code);

            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "replay-it-reader");
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of("replayed", "replayed-shadow"));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (live.size() < 2 * inRange && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        Prediction pr = WireCodec.decodePrediction(r.value());
                        live.put(pr.getKey() + "@" + pr.getTs() + "@" + pr.getModel(), Double.doubleToRawLongBits(pr.getPrediction()));
                    }
                }
            }
            assertEquals(2 * inRange, live.size(), "one prediction per replayed event per model");
        }

        Path out = dir.resolve("backtest.csv");
        int code = new CommandLine(new BacktestCommand(new PrintStream(java.io.OutputStream.nullOutputStream()), System.err))
                .execute("--input", rangeCsv.toString(), "--model", "sgd", "--model", "ema+sgd", "--features", FEATURES,
                        "--output", out.toString());
        assertEquals(0, code);
        int compared = 0;
        for (String l : Files.readAllLines(out).subList(1, Files.readAllLines(out).size())) {
            String[] f = l.split(",", -1);
            if (f[2].equals("mean") || f[2].equals("last")) {
                continue;   // the backtest's own baselines; the replay ran only the given models
            }
            Long bits = live.get(f[0] + "@" + f[1] + "@" + f[2]);
            assertNotNull(bits, "replay has no prediction for " + l);
            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(f[3])), (long) bits, l);
            compared++;
        }
        assertEquals(2 * inRange, compared);
    }
}
