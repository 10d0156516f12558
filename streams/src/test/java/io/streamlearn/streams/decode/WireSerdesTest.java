package io.streamlearn.streams.decode;

import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireSerdesTest {

    private static Event event(String id, double x) {
        Map<String, Double> features = new HashMap<>();
        features.put("x", x);
        return new Event(id, "k", 1000L, features, 2.0);
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void shouldRoundTripEveryRecordType(WireFormat format) {
        Serde<Event> events = WireSerdes.event(format);
        Event e = event("e-1", -0.0);
        byte[] bytes = events.serializer().serialize("events", e);
        assertEquals(format, WireFormat.detect(bytes));
        assertEquals(e, events.deserializer().deserialize("events", bytes));

        Serde<Label> labels = WireSerdes.label(format);
        Label l = new Label("e-1", "k", 2000L, 3.5);
        assertEquals(l, labels.deserializer().deserialize("labels", labels.serializer().serialize("labels", l)));

        Serde<Prediction> predictions = WireSerdes.prediction(format);
        Prediction p = new Prediction("e-1", "k", 1000L, "sgd", 3L, 0.5, null, 2.0, null, null, null, null);
        byte[] pBytes = predictions.serializer().serialize("predictions", p);
        assertArrayEquals(WireCodec.encode(p, format), pBytes);
        assertEquals(p, predictions.deserializer().deserialize("predictions", pBytes));

        Serde<DeadLetter> deadLetters = WireSerdes.deadLetter(format);
        DeadLetter d = new DeadLetter("events", 0, 5L, "k", ByteBuffer.wrap(new byte[] {1, 2}), "empty", null, 9L);
        assertEquals(d, deadLetters.deserializer().deserialize("dlq", deadLetters.serializer().serialize("dlq", d)));
    }

    @Test
    void shouldPassTombstonesThroughAsNull() {
        assertNull(WireSerdes.prediction(WireFormat.JSON).serializer().serialize("t", null));
        assertNull(WireSerdes.event(WireFormat.AVRO).deserializer().deserialize("t", null));
    }

    @Test
    void shouldThrowWithTheReasonOnMalformedValues() {
        WireDeserializationException e = assertThrows(WireDeserializationException.class,
                () -> WireSerdes.event(WireFormat.JSON).deserializer()
                        .deserialize("events", "{\"key\":\"k\",\"ts\":1}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("missing-field", e.reason());
        assertTrue(e.getMessage().contains("events"), e.getMessage());

        byte[] label = WireCodec.encode(new Label("e", "k", 1L, 1.0), WireFormat.AVRO);
        WireDeserializationException schema = assertThrows(WireDeserializationException.class,
                () -> WireSerdes.event(WireFormat.AVRO).deserializer().deserialize("events", label));
        assertEquals("unknown-schema", schema.reason());
    }

    @Test
    void shouldCarryMixedFormatInputThroughATopology() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("events", Consumed.with(Serdes.String(), WireSerdes.event(WireFormat.AVRO)))
                .mapValues(e -> new Prediction(e.getId(), e.getKey(), e.getTs(), "echo", 0L,
                        e.getFeatures().get("x"), null, e.getLabel(), null, null, null, null))
                .to("predictions", Produced.with(Serdes.String(), WireSerdes.prediction(WireFormat.JSON)));
        Properties props = new Properties();
        props.put("application.id", "wire-serdes-test");
        props.put("bootstrap.servers", "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            TestInputTopic<String, byte[]> in = driver.createInputTopic("events",
                    Serdes.String().serializer(), Serdes.ByteArray().serializer());
            TestOutputTopic<String, byte[]> out = driver.createOutputTopic("predictions",
                    Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
            in.pipeInput("k", WireCodec.encode(event("avro-1", 1.25), WireFormat.AVRO));
            in.pipeInput("k", WireCodec.encode(event("json-1", 2.5), WireFormat.JSON));

            List<byte[]> values = out.readValuesToList();
            assertEquals(2, values.size());
            String first = new String(values.get(0), StandardCharsets.UTF_8);
            assertTrue(first.startsWith("{\"id\":\"avro-1\""), first);
            Prediction second = WireSerdes.prediction(WireFormat.AVRO).deserializer().deserialize("predictions", values.get(1));
            assertEquals("json-1", second.getId());
            assertEquals(2.5, second.getPrediction());
            assertEquals(2.0, second.getLabel());
        }
    }
}
