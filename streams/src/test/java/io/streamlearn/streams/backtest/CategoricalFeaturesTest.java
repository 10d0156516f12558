package io.streamlearn.streams.backtest;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text fields as categorical features, end to end: the label depends on a text field, so a model that sees
 * it reaches the noise floor and one that ignores it cannot; and {@code backtest} on a CSV with text
 * columns predicts, bit for bit, what the live topology publishes for the same events read from a JSON
 * topic of its own shape through the field mapping.
 */
class CategoricalFeaturesTest {

    /** Level of the label per country: the text field carries most of the signal. */
    private static final Map<String, Double> LEVEL = Map.of("FR", -2.0, "DE", -1.0, "IT", 0.0, "ES", 1.0, "PL", 2.0);
    private static final double NOISE = 0.1;

    @TempDir
    Path dir;

    /** JSON lines in a shape of their own: {"user":..,"t":..,"y":..,"x":..,"country":..}; y = level(country) + 0.5 x + noise. */
    private Path foreignJsonLines(int n, long seed) throws Exception {
        Random random = new Random(seed);
        List<String> countries = new ArrayList<>(LEVEL.keySet());
        countries.sort(null);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String c = countries.get(random.nextInt(countries.size()));
            double x = random.nextGaussian();
            double y = LEVEL.get(c) + 0.5 * x + NOISE * random.nextGaussian();
            b.append("{\"user\":\"u-1\",\"t\":").append(1_700_000_000_000L + i * 1000L).append(",\"y\":").append(y)
                    .append(",\"x\":").append(x).append(",\"country\":\"").append(c).append("\",\"vip\":null}\n");
        }
        Path file = dir.resolve("foreign-" + seed + ".jsonl");
        Files.writeString(file, b.toString());
        return file;
    }

    private double lateMse(Path input, String features, int n, int window) throws Exception {
        Path out = dir.resolve("out-" + features.replace(',', '_').replace('*', 's') + ".csv");
        BacktestCli run = BacktestCli.run("--input", input.toString(), "--model", "kalman", "--features", features,
                "--output", out.toString(),
                "--set", "streamlearn.input.key=user", "--set", "streamlearn.input.timestamp=t",
                "--set", "streamlearn.input.label=y", "--set", "streamlearn.input.features=*",
                "--set", "streamlearn.features.text-buckets=64");
        assertEquals(0, run.exitCode, run.err);
        // the squared error, computed here from the output and the labels in the input
        List<String> lines = Files.readAllLines(input);
        Map<Long, Double> labels = new HashMap<>();
        for (String l : lines) {
            long t = Long.parseLong(l.substring(l.indexOf("\"t\":") + 4, l.indexOf(",\"y\"")));
            double y = Double.parseDouble(l.substring(l.indexOf("\"y\":") + 4, l.indexOf(",\"x\"")));
            labels.put(t, y);
        }
        double sse = 0;
        int count = 0;
        for (BacktestCli.OutRow r : BacktestCli.readOutput(out)) {
            if (r.model().equals("kalman") && r.ts() >= 1_700_000_000_000L + (n - window) * 1000L) {
                double e = r.prediction() - labels.get(r.ts());
                sse += e * e;
                count++;
            }
        }
        assertEquals(window, count);
        return sse / count;
    }

    @Test
    void shouldReachTheNoiseFloorOnlyWithTheTextFeature() throws Exception {
        int n = 3000;
        Path input = foreignJsonLines(n, 5);
        FeatureSpace space = FeatureSpace.ordered(List.of("x", "country=*"), 64);
        Set<Integer> buckets = new HashSet<>();
        for (String c : LEVEL.keySet()) {
            buckets.add(space.indexOf("country=" + c));
        }
        assertEquals(LEVEL.size(), buckets.size(), "precondition: the five countries fall in five buckets");

        double seeing = lateMse(input, "x,country=*", n, 1000);
        double blind = lateMse(input, "x", n, 1000);
        double floor = NOISE * NOISE;
        assertTrue(seeing < 1.5 * floor, "with the country: late MSE " + seeing + ", noise floor " + floor);
        // without it, the country levels (variance 2 over five equally likely values) stay unexplained
        assertTrue(blind > 1.5, "without the country: late MSE " + blind);
    }

    @Test
    void shouldBacktestACsvWithTextColumnsBitForBitAsTheTopologyScoresTheSameEvents() throws Exception {
        int n = 1500;
        Random random = new Random(23);
        String[] countries = {"FR", "DE", "IT"};
        String[] devices = {"ios", "android", "web", "tv"};
        StringBuilder csv = new StringBuilder("key,ts,label,amount,country,device\n");
        List<String> json = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = "k" + random.nextInt(5);
            long ts = 1_700_000_000_000L + i * 1000L;
            String country = countries[random.nextInt(countries.length)];
            String device = random.nextInt(10) == 0 ? "" : devices[random.nextInt(devices.length)];
            double amount = Math.round(random.nextGaussian() * 1000) / 100.0;
            boolean labelled = random.nextInt(5) != 0;
            double y = amount * 0.3 + (country.equals("FR") ? 1 : 0) + 0.1 * random.nextGaussian();
            csv.append(key).append(',').append(ts).append(',').append(labelled ? Double.toString(y) : "").append(',')
                    .append(amount).append(',').append(country).append(',').append(device).append('\n');
            json.add("{\"acct\":{\"id\":\"" + key + "\"},\"when\":" + ts + ",\"y\":" + (labelled ? Double.toString(y) : "null")
                    + ",\"amount\":" + amount + ",\"country\":\"" + country + "\",\"device\":"
                    + (device.isEmpty() ? "null" : "\"" + device + "\"") + ",\"ignored\":true}");
        }
        Path input = dir.resolve("events.csv");
        Files.writeString(input, csv.toString());
        Path out = dir.resolve("backtest.csv");
        List<String> models = List.of("sgd", "kalman", "mean", "last");
        BacktestCli run = BacktestCli.run("--input", input.toString(), "--model", "sgd", "--model", "kalman",
                "--output", out.toString(), "--set", "streamlearn.features.text-buckets=8");
        assertEquals(0, run.exitCode, run.err);
        List<BacktestCli.OutRow> backtest = BacktestCli.readOutput(out);

        AppConfig config = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, "unused:9092")
                .with(AppConfig.FEATURES_KEY, "amount,country=*,device=*")
                .with(AppConfig.TEXT_BUCKETS_KEY, "8")
                .with(AppConfig.MODELS_KEY, String.join(";", models))
                .with(AppConfig.OUTPUT_FORMAT_KEY, "json")
                .with(Map.of("streamlearn.input.key", "acct.id", "streamlearn.input.timestamp", "when",
                        "streamlearn.input.label", "y", "streamlearn.input.features", "amount,country,device"));
        SkippedRecords skipped = new SkippedRecords();
        Properties props = StreamlearnApp.streamsProperties(config, skipped);
        props.put("state.dir", dir.resolve("state").toString());
        Map<String, Double> live = new HashMap<>();   // "key@ts@model" -> prediction
        try (TopologyTestDriver driver = new TopologyTestDriver(
                StreamlearnTopology.build(config.topologySettings().withSkipped(skipped)
                        .withModelStore(Stores.inMemoryKeyValueStore(config.storeName()))), props)) {
            TestInputTopic<String, byte[]> events = driver.createInputTopic(config.eventsTopic(), new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<String, byte[]> predictions = driver.createOutputTopic(config.predictionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<String, byte[]> shadow = driver.createOutputTopic(config.shadowPredictionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<String, byte[]> dead = driver.createOutputTopic(config.deadLettersTopic(), new StringDeserializer(), new ByteArrayDeserializer());
            for (String j : json) {
                String key = j.substring(j.indexOf("\"id\":\"") + 6, j.indexOf("\"}"));
                events.pipeInput(key, j.getBytes(StandardCharsets.UTF_8));
            }
            List<DeadLetter> letters = new ArrayList<>();
            for (byte[] v : dead.readValuesToList()) {
                letters.add(WireCodec.decodeDeadLetter(v));
            }
            assertEquals(List.of(), letters);
            for (TestOutputTopic<String, byte[]> topic : List.of(predictions, shadow)) {
                for (byte[] v : topic.readValuesToList()) {
                    Prediction p = WireCodec.decodePrediction(v);
                    live.put(p.getKey() + "@" + p.getTs() + "@" + p.getModel(), p.getPrediction());
                }
            }
        }
        assertEquals(n * models.size(), backtest.size());
        assertEquals(backtest.size(), live.size(), "the topology published one prediction per event per model");
        for (BacktestCli.OutRow b : backtest) {
            Double p = live.get(b.key() + "@" + b.ts() + "@" + b.model());
            assertEquals(Double.doubleToRawLongBits(p), Double.doubleToRawLongBits(b.prediction()),
                    b.key() + "@" + b.ts() + " " + b.model() + ": topology " + p + ", backtest " + b.prediction());
        }
    }
}
