package io.streamlearn.streams.backtest;

import io.streamlearn.schemas.ModelExport;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import io.streamlearn.streams.chaos.ChaosWorkload;
import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.migration.ModelTransfer;
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

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code backtest --labels} learns each label of the file where the topology learns the same label
 * from the labels topic, when events and labels reach the topology in time order (TopologyTestDriver,
 * four partitions' priors reproduced with {@code --partitions 4}): every prediction bit for bit, and
 * {@code --final-states} holds the states the topology's store ends with.
 */
class BacktestLabelsFileTest {

    @TempDir
    Path dir;

    @Test
    void shouldLearnTheLabelsOfTheFileWhereTheTopologyLearnsThemFromTheLabelsTopic() throws Exception {
        List<String> features = List.of("x1", "x2", "x3");
        List<String> models = List.of("kalman", "sgd");
        ChaosWorkload w = new ChaosWorkload(5, 6_000, 120, 25, 300, 0.5, features);
        Path events = dir.resolve("events.jsonl");
        Path labels = dir.resolve("labels.jsonl");
        Path out = dir.resolve("out.csv");
        Path states = dir.resolve("states.avro");
        w.writeEvents(events);
        w.writeLabels(labels);
        BacktestCli run = BacktestCli.run("--input", events.toString(), "--labels", labels.toString(),
                "--features", String.join(",", features), "--partitions", "1", "--prior", "none", "--output", out.toString(),
                "--final-states", states.toString(), "--model", models.get(0), "--model", models.get(1));
        assertEquals(0, run.exitCode, run.err);
        Map<String, Double> backtest = new HashMap<>();
        for (BacktestCli.OutRow r : BacktestCli.readOutput(out)) {
            backtest.put(r.key() + "@" + r.ts() + "@" + r.model(), r.prediction());
        }

        AppConfig config = AppConfig.defaults()
                .with(AppConfig.BOOTSTRAP_SERVERS_KEY, "unused:9092")
                .with(AppConfig.FEATURES_KEY, String.join(",", features))
                .with(AppConfig.MODELS_KEY, String.join(";", models))
                .with(AppConfig.OUTPUT_FORMAT_KEY, "avro")
                .with(AppConfig.PRIOR_KEY, "none");
        SkippedRecords skipped = new SkippedRecords();
        Properties props = StreamlearnApp.streamsProperties(config, skipped);
        props.put("state.dir", dir.resolve("state").toString());
        int compared = 0;
        Map<String, byte[]> live = new HashMap<>();
        try (TopologyTestDriver driver = new TopologyTestDriver(
                StreamlearnTopology.build(config.topologySettings().withSkipped(skipped)
                        .withModelStore(Stores.inMemoryKeyValueStore(config.storeName()))), props)) {
            TestInputTopic<String, byte[]> eventsIn = driver.createInputTopic(config.eventsTopic(), new StringSerializer(), new ByteArraySerializer());
            TestInputTopic<String, byte[]> labelsIn = driver.createInputTopic(config.labelsTopic(), new StringSerializer(), new ByteArraySerializer());
            for (ChaosWorkload.Item item : w.timeline()) {
                if (item.event() != null) {
                    eventsIn.pipeInput(item.key(), WireCodec.encode(item.event(), WireFormat.AVRO), item.time());
                } else {
                    labelsIn.pipeInput(item.key(), WireCodec.encode(item.label(), WireFormat.AVRO), item.time());
                }
            }
            for (String topic : List.of(config.predictionsTopic(), config.shadowPredictionsTopic())) {
                TestOutputTopic<String, byte[]> t = driver.createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer());
                for (byte[] v : t.readValuesToList()) {
                    Prediction p = WireCodec.decodePrediction(v);
                    Double b = backtest.get(p.getKey() + "@" + p.getTs() + "@" + p.getModel());
                    assertNotNull(b, p.toString());
                    assertEquals(Double.doubleToRawLongBits(b), Double.doubleToRawLongBits(p.getPrediction()),
                            p.getId() + " " + p.getModel() + ": topology " + p.getPrediction() + ", backtest " + b);
                    compared++;
                }
            }
            org.apache.kafka.streams.state.KeyValueStore<Object, Object> store = driver.getKeyValueStore(config.storeName());
            try (var it = store.all()) {
                while (it.hasNext()) {
                    var kv = it.next();
                    String k = kv.key instanceof org.apache.kafka.common.utils.Bytes b ? new String(b.get(), java.nio.charset.StandardCharsets.UTF_8) : kv.key.toString();
                    byte[] v = kv.value instanceof org.apache.kafka.common.utils.Bytes b ? b.get() : (byte[]) kv.value;
                    live.put(k, v);
                }
            }
        }
        assertEquals(w.events().size() * models.size(), compared, "one prediction per event and model");
        List<ModelExport> finals = ModelTransfer.read(states);
        assertEquals((120 + w.labels().size()) * models.size(), finals.size(), "every key's models, no baseline");
        for (ModelExport m : finals) {
            byte[] l = live.get(m.getKey() + '\u0000' + m.getModel());
            assertNotNull(l, m.getKey() + " " + m.getModel());
            assertTrue(java.nio.ByteBuffer.wrap(l).equals(m.getState()), "final state of " + m.getKey() + " " + m.getModel());
        }
        assertTrue(run.out.contains("kalman"), run.out);
    }
}
