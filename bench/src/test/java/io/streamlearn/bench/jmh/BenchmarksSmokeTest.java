package io.streamlearn.bench.jmh;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.wire.WireCodec;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs each benchmark's body a few thousand times without JMH: the benchmarks set up and do real work. */
class BenchmarksSmokeTest {

    @Test
    void shouldLearnTheBenchmarkStreamInLearnerBenchmark() {
        LearnerBenchmark b = new LearnerBenchmark();
        b.spec = "sgd";
        b.d = 8;
        b.setUp();
        BenchData data = new BenchData(8, 17); // the same ring the benchmark generated
        double early = 0;
        double late = 0;
        int events = 8 * BenchData.RING;
        for (int n = 0; n < events; n++) {
            double mean = b.predictAndLearn();
            double err = mean - data.ys[n & (BenchData.RING - 1)];
            if (n < 256) {
                early += err * err / 256;
            } else if (n >= events - BenchData.RING) {
                late += err * err / BenchData.RING;
            }
        }
        assertTrue(late < 0.25 * early, "prequential MSE early " + early + " late " + late);
    }

    @Test
    void shouldScoreEveryKeyOnceInSetUpAndKeepTheStoreSteady() {
        ScoringStepBenchmark b = new ScoringStepBenchmark();
        b.spec = "sgd";
        b.keys = 1000;
        b.setUp();
        // 1000 states, with the population prior (the default) 1000 contributions and the population
        assertEquals(2001, b.store().size());
        for (int n = 0; n < 5000; n++) {
            assertTrue(Double.isFinite(b.scoreAndLearn()));
        }
        assertEquals(2001, b.store().size());
    }

    @Test
    void shouldDecodeTheSameEventFromBothFormats() throws Exception {
        CodecBenchmark b = new CodecBenchmark();
        b.d = 32;
        b.setUp();
        Event json = b.decodeEventJson();
        Event avro = b.decodeEventAvro();
        assertEquals(32, json.getFeatures().size());
        assertEquals(avro, json);
        assertEquals(WireCodec.decodePrediction(b.encodePredictionAvro()),
                WireCodec.decodePrediction(b.encodePredictionJson()));
    }

    @Test
    void shouldReadTheSameEventFromSingleObjectAndConfluentFraming() throws Exception {
        RegistryBenchmark b = new RegistryBenchmark();
        b.d = 8;
        b.setUp();
        try {
            Event single = b.baselineSingleObject();
            assertEquals(single, b.confluentEventShape());
            Event foreign = b.confluentForeign();
            assertEquals(single.getKey(), foreign.getKey());
            assertEquals(single.getTs(), foreign.getTs(), "timestamp-micros to epoch ms");
            assertEquals(single.getLabel(), foreign.getLabel());
            assertEquals(1.0, foreign.getFeatures().get("model=sensor-mk2"));
            assertEquals(8 + 1, foreign.getFeatures().size());
            for (int n = 0; n < 5000; n++) {
                assertEquals(foreign, b.confluentForeign());
            }
        } finally {
            b.tearDown();
        }
    }

    @Test
    void shouldMapEveryShapeOfTheMappingBenchmarkToTheSameEvent() throws Exception {
        MappingBenchmark b = new MappingBenchmark();
        b.d = 8;
        b.setUp();
        Event fixed = b.fixedShape();
        assertEquals(fixed, b.mappedFixedShape());
        Event foreign = b.mappedForeign();
        assertEquals(fixed.getKey(), foreign.getKey());
        assertEquals(fixed.getTs(), foreign.getTs());
        assertEquals(fixed.getLabel(), foreign.getLabel());
        for (Map.Entry<String, Double> f : fixed.getFeatures().entrySet()) {
            assertEquals(f.getValue(), foreign.getFeatures().get("metrics." + f.getKey()), f.getKey());
        }
        assertEquals(8, foreign.getFeatures().size());
        assertEquals(foreign, b.mappedTree());
        Event text = b.mappedForeignText();
        assertEquals(8 + 3, text.getFeatures().size());
        assertEquals(1.0, text.getFeatures().get("country=FR"));
        assertEquals(1.0, text.getFeatures().get("device.os=ios"));
        for (int n = 0; n < 5000; n++) {
            assertEquals(foreign, b.mappedForeign());
        }
    }
}
