package io.streamlearn.streams.backtest;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.topology.StreamlearnTopology;
import io.streamlearn.streams.metrics.SkippedRecords;
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

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backtest predicts, bit for bit, what the live topology publishes for the same events in the same
 * order: the same events (Beijing, 12 keys, missing labels and features) go through the real topology
 * (TopologyTestDriver, RocksDB-free in-memory store, changelogged and cached as in production) and
 * through {@code streamlearn backtest} from the CSV file.
 */
class BacktestTopologyIdentityTest {

    @TempDir
    Path dir;

    private static final String FEATURES = "PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,WSPM,wd_sin,wd_cos";

    @Test
    void shouldPredictBitForBitWhatTheTopologyPublishes() throws Exception {
        List<BacktestCli.OutRow> rows = backtestAgainstTopology(List.of("sgd", "ema+sgd", "mean", "last"), 12_000);
        assertTrue(rows.stream().allMatch(r -> Double.isNaN(r.lower95())), "no model with calibrated intervals: no columns");
    }

    /** The --output CSV carries the calibrated intervals the Avro Prediction carries, bit for bit. */
    @Test
    void shouldWriteTheCalibratedIntervalsTheTopologyPublishes() throws Exception {
        List<BacktestCli.OutRow> rows = backtestAgainstTopology(List.of("kalman", "sgd", "mean", "last"), 3_000);
        assertTrue(rows.stream().filter(r -> r.model().equals("kalman")).filter(r -> !Double.isNaN(r.lower95())).count() > 2_500,
                "kalman's rows have their intervals");
        for (BacktestCli.OutRow r : rows) {
            if (!Double.isNaN(r.lower95())) {
                assertTrue(r.lower95() <= r.lower80() && r.lower80() <= r.upper80() && r.upper80() <= r.upper95(), r.toString());
            }
        }
    }

    /** Backtests {@code models} over the first {@code n} Beijing rows and compares every output row with the topology's. */
    private List<BacktestCli.OutRow> backtestAgainstTopology(List<String> models, int n) throws Exception {
        Path csv = BacktestCli.dataset("beijing_air_quality.csv.gz");
        Path out = dir.resolve("backtest.csv");
        List<String> args = new ArrayList<>(List.of("--input", csv.toString(), "--limit", Integer.toString(n),
                "--features", FEATURES, "--output", out.toString()));
        for (String m : models) {
            args.add("--model");
            args.add(m);
        }
        BacktestCli run = BacktestCli.run(args.toArray(new String[0]));
        assertEquals(0, run.exitCode, run.err);
        List<BacktestCli.OutRow> backtest = BacktestCli.readOutput(out);

        AppConfig config = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, "unused:9092")
                .with(AppConfig.FEATURES_KEY, FEATURES)
                .with(AppConfig.MODELS_KEY, String.join(";", models))
                .with(AppConfig.OUTPUT_FORMAT_KEY, "avro");
        SkippedRecords skipped = new SkippedRecords();
        Properties props = StreamlearnApp.streamsProperties(config, skipped);
        props.put("state.dir", dir.resolve("state").toString());
        Map<String, double[]> live = new HashMap<>();   // "key@ts@model" -> {prediction}
        try (TopologyTestDriver driver = new TopologyTestDriver(
                StreamlearnTopology.build(config.topologySettings().withSkipped(skipped)
                        .withModelStore(Stores.inMemoryKeyValueStore(config.storeName()))), props)) {
            TestInputTopic<String, byte[]> events = driver.createInputTopic(config.eventsTopic(), new StringSerializer(), new ByteArraySerializer());
            TestOutputTopic<String, byte[]> predictions = driver.createOutputTopic(config.predictionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<String, byte[]> shadow = driver.createOutputTopic(config.shadowPredictionsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
            int i = 0;
            for (BacktestCli.InRow r : BacktestCli.readInput(csv, n)) {
                long ts = Instant.parse(r.ts()).toEpochMilli();
                Event e = Event.newBuilder().setId("e" + i++).setKey(r.key()).setTs(ts).setFeatures(new HashMap<>(r.features()))
                        .setLabel(Double.isNaN(r.label()) ? null : r.label()).build();
                events.pipeInput(r.key(), WireCodec.encode(e, WireFormat.AVRO), ts);
            }
            for (TestOutputTopic<String, byte[]> topic : List.of(predictions, shadow)) {
                for (byte[] v : topic.readValuesToList()) {
                    Prediction p = WireCodec.decodePrediction(v);
                    live.put(p.getKey() + "@" + p.getTs() + "@" + p.getModel(), new double[] {p.getPrediction(),
                            orNaN(p.getLower80()), orNaN(p.getUpper80()), orNaN(p.getLower95()), orNaN(p.getUpper95())});
                }
            }
        }
        assertEquals(n * models.size(), backtest.size());
        assertEquals(backtest.size(), live.size(), "the topology published one prediction per event per model");
        for (BacktestCli.OutRow b : backtest) {
            double[] p = live.get(b.key() + "@" + b.ts() + "@" + b.model());
            assertEquals(Double.doubleToRawLongBits(p[0]), Double.doubleToRawLongBits(b.prediction()),
                    b.key() + "@" + b.ts() + " " + b.model() + ": topology " + p[0] + ", backtest " + b.prediction());
            double[] bounds = {b.lower80(), b.upper80(), b.lower95(), b.upper95()};
            for (int i = 0; i < 4; i++) {
                assertEquals(Double.doubleToRawLongBits(p[1 + i]), Double.doubleToRawLongBits(bounds[i]),
                        b.key() + "@" + b.ts() + " " + b.model() + ": interval bound " + i);
            }
        }
        return backtest;
    }

    private static double orNaN(Double d) {
        return d == null ? Double.NaN : d;
    }
}
