package io.streamlearn.streams.backtest;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.housekeeping.KeyLifecycle;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.topology.StreamlearnTopology;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backtest = live with the population prior on (issue #14), for a file whose keys fall in several
 * partitions: each live task (one {@link TopologyTestDriver} per partition, fed the events Kafka's
 * default partitioner gives that partition, in file order, as a task reads them) learns the population
 * of its own keys, and {@code streamlearn backtest --partitions 4} reproduces every prediction bit for
 * bit. The test also checks that the prior is used (the predictions differ from {@code --prior none})
 * and that the partitioning matters ({@code --partitions 1} differs).
 */
class PopulationPriorIdentityTest {

    private static final int PARTITIONS = 4;
    private static final List<String> MODELS = List.of("kalman", "sgd", "mean", "last");

    @TempDir
    Path dir;

    /** 400 keys of 3 to 25 labelled events each, weights from a shared population, keys arriving over time. */
    static Path writeShortLivedKeys(Path file) throws IOException {
        Random r = new Random(14);
        List<String[]> rows = new ArrayList<>();
        for (int k = 0; k < 400; k++) {
            double[] w = {1.5 + 0.3 * r.nextGaussian(), -1 + 0.3 * r.nextGaussian(), 2 + 0.3 * r.nextGaussian()};
            int life = 3 + r.nextInt(23);
            long t = 1_700_000_000_000L + k * 50_000L;
            for (int j = 0; j < life; j++) {
                double a = r.nextGaussian();
                double b = r.nextGaussian();
                double y = w[0] * a + w[1] * b + w[2] + 0.3 * r.nextGaussian();
                String label = j % 7 == 6 ? "" : String.format(Locale.ROOT, "%.6f", y);   // some events unlabelled
                rows.add(new String[] {Long.toString(t), "key-" + k, Instant.ofEpochMilli(t).toString(), label,
                        String.format(Locale.ROOT, "%.6f", a), String.format(Locale.ROOT, "%.6f", b)});
                t += 1_000 + r.nextInt(100_000);
            }
        }
        rows.sort((x, y) -> Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0])));
        StringBuilder b = new StringBuilder("key,ts,label,a,b\n");
        for (String[] row : rows) {
            b.append(row[1]).append(',').append(row[2]).append(',').append(row[3]).append(',').append(row[4]).append(',')
                    .append(row[5]).append('\n');
        }
        Files.writeString(file, b.toString());
        return file;
    }

    private List<BacktestCli.OutRow> backtest(Path csv, String... extra) throws IOException {
        Path out = dir.resolve("backtest-" + String.join("", extra).replace("-", "") + ".csv");
        List<String> args = new ArrayList<>(List.of("--input", csv.toString(), "--output", out.toString(), "--prior-min-keys", "20"));
        for (String m : MODELS) {
            args.add("--model");
            args.add(m);
        }
        args.addAll(List.of(extra));
        BacktestCli run = BacktestCli.run(args.toArray(new String[0]));
        assertEquals(0, run.exitCode, run.err);
        return BacktestCli.readOutput(out);
    }

    @Test
    void shouldReproduceEachTasksPopulationPriorBitForBit() throws Exception {
        Path csv = writeShortLivedKeys(dir.resolve("keys.csv"));
        List<BacktestCli.OutRow> backtest = backtest(csv, "--partitions", Integer.toString(PARTITIONS));

        AppConfig config = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, "unused:9092")
                .with(AppConfig.FEATURES_KEY, "a,b")
                .with(AppConfig.MODELS_KEY, String.join(";", MODELS))
                .with(AppConfig.OUTPUT_FORMAT_KEY, "avro")
                .with(AppConfig.PRIOR_MIN_KEYS_KEY, "20");
        assertTrue(config.prior().population(), "the population prior is on by default");
        List<BacktestCli.InRow> input = BacktestCli.readInput(csv, Integer.MAX_VALUE);
        Map<String, Double> live = new HashMap<>();   // "key@ts@model" -> prediction
        Set<Integer> used = new HashSet<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            SkippedRecords skipped = new SkippedRecords();
            Properties props = StreamlearnApp.streamsProperties(config, skipped);
            props.put("state.dir", dir.resolve("state-" + partition).toString());
            try (TopologyTestDriver driver = new TopologyTestDriver(
                    StreamlearnTopology.build(config.topologySettings().withSkipped(skipped)
                            .withModelStore(Stores.inMemoryKeyValueStore(config.storeName()))), props)) {
                TestInputTopic<String, byte[]> events = driver.createInputTopic(config.eventsTopic(), new StringSerializer(), new ByteArraySerializer());
                TestOutputTopic<String, byte[]> predictions = driver.createOutputTopic(config.predictionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
                TestOutputTopic<String, byte[]> shadow = driver.createOutputTopic(config.shadowPredictionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
                int i = 0;
                for (BacktestCli.InRow r : input) {
                    if (KeyLifecycle.partition(r.key(), PARTITIONS) != partition) {
                        continue;
                    }
                    used.add(partition);
                    long ts = Instant.parse(r.ts()).toEpochMilli();
                    Event e = Event.newBuilder().setId("e" + i++).setKey(r.key()).setTs(ts).setFeatures(new HashMap<>(r.features()))
                            .setLabel(Double.isNaN(r.label()) ? null : r.label()).build();
                    events.pipeInput(r.key(), WireCodec.encode(e, WireFormat.AVRO), ts);
                }
                for (TestOutputTopic<String, byte[]> topic : List.of(predictions, shadow)) {
                    for (byte[] v : topic.readValuesToList()) {
                        Prediction p = WireCodec.decodePrediction(v);
                        live.put(p.getKey() + "@" + p.getTs() + "@" + p.getModel(), p.getPrediction());
                    }
                }
            }
        }
        assertEquals(PARTITIONS, used.size(), "every partition has keys");
        assertEquals(input.size() * MODELS.size(), backtest.size());
        assertEquals(backtest.size(), live.size(), "one prediction per event per model");
        for (BacktestCli.OutRow b : backtest) {
            Double p = live.get(b.key() + "@" + b.ts() + "@" + b.model());
            assertEquals(Double.doubleToRawLongBits(p), Double.doubleToRawLongBits(b.prediction()),
                    b.key() + "@" + b.ts() + " " + b.model() + ": topology " + p + ", backtest " + b.prediction());
        }

        List<BacktestCli.OutRow> none = backtest(csv, "--partitions", Integer.toString(PARTITIONS), "--prior", "none");
        List<BacktestCli.OutRow> onePartition = backtest(csv, "--partitions", "1");
        for (String model : List.of("kalman", "sgd")) {
            assertTrue(differing(backtest, none, model) > 100, model + ": the prior changes predictions");
            assertTrue(differing(backtest, onePartition, model) > 100, model + ": each partition has its own population");
        }
        assertEquals(0, differing(backtest, none, "mean"), "the mean baseline has no prior");
        double withPrior = firstEventMse(backtest, input, "kalman");
        double without = firstEventMse(none, input, "kalman");
        assertNotEquals(withPrior, without);
        assertTrue(withPrior < 0.5 * without, "first-event MSE with the prior " + withPrior + " vs without " + without);
    }

    private static int differing(List<BacktestCli.OutRow> a, List<BacktestCli.OutRow> b, String model) {
        assertEquals(a.size(), b.size());
        int n = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).model().equals(model) && a.get(i).prediction() != b.get(i).prediction()) {
                n++;
            }
        }
        return n;
    }

    /** MSE of each key's first prediction, over the keys after the first 100 (the populations have formed). */
    private static double firstEventMse(List<BacktestCli.OutRow> out, List<BacktestCli.InRow> input, String model) {
        Map<String, Double> labels = new HashMap<>();
        for (BacktestCli.InRow r : input) {
            labels.putIfAbsent(r.key() + "@" + Instant.parse(r.ts()).toEpochMilli(), r.label());
        }
        Set<String> seen = new HashSet<>();
        double sum = 0;
        int n = 0;
        for (BacktestCli.OutRow o : out) {
            if (!o.model().equals(model) || !seen.add(o.key()) || Integer.parseInt(o.key().substring(4)) < 100) {
                continue;
            }
            double y = labels.get(o.key() + "@" + o.ts());
            if (!Double.isNaN(y)) {
                sum += (o.prediction() - y) * (o.prediction() - y);
                n++;
            }
        }
        return sum / n;
    }
}
