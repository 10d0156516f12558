package io.streamlearn.streams.decode;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.broker.EmbeddedSchemaRegistry;
import io.streamlearn.streams.publish.ConfluentOutputSerializer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records framed by Apicurio's serializer (not ours) through the embedded registry, read by
 * {@link RegistryInput} with a field mapping; our Confluent output read back by Apicurio's deserializer.
 */
class ConfluentInteropTest {

    /** Version 1 of a foreign payment schema: a union field, text, a boolean label, timestamp-millis. */
    static final Schema PAYMENT_V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Payment", "namespace": "com.example.payments", "fields": [
              {"name": "account", "type": "string"},
              {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "amount", "type": ["null", "double"], "default": null},
              {"name": "country", "type": ["null", "string"], "default": null},
              {"name": "fraud", "type": "boolean"}
            ]}""");
    /** Version 2: the same with timestamp-micros. */
    static final Schema PAYMENT_V2 = new Schema.Parser().parse(PAYMENT_V1.toString()
            .replace("timestamp-millis", "timestamp-micros"));
    static final Map<String, String> MAPPING = Map.of(
            "streamlearn.input.key", "record-key",
            "streamlearn.input.timestamp", "occurred_at",
            "streamlearn.input.label", "fraud",
            "streamlearn.input.features", "amount,country");

    private static EmbeddedSchemaRegistry registry;

    @BeforeAll
    static void start() {
        registry = EmbeddedSchemaRegistry.start(0);
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    static GenericRecord payment(Schema schema, String account, long time, Double amount, String country, boolean fraud) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("account", account);
        r.put("occurred_at", time);
        r.put("amount", amount);
        r.put("country", country);
        r.put("fraud", fraud);
        return r;
    }

    private static RegistryInput input() {
        return RegistryInput.from(Map.of("schema.registry.url", registry.url()));
    }

    @Test
    void shouldMapRecordsFramedByApicuriosSerializer() throws Exception {
        AvroKafkaSerializer<Object> values = ApicurioConfluentSerializer.create(registry.url(), false);
        AvroKafkaSerializer<Object> keys = ApicurioConfluentSerializer.create(registry.url(), true);
        byte[] v1 = values.serialize("payments", payment(PAYMENT_V1, "acc-1", 1_700_000_000_123L, 12.5, "FR", true));
        byte[] v2 = values.serialize("payments", payment(PAYMENT_V2, "acc-1", 1_700_000_000_456_789L, null, "DE", false));
        byte[] key = keys.serialize("payments", "acc-1");
        assertEquals(0, v1[0]);
        assertTrue(registry.subjects().containsAll(List.of("payments-value", "payments-key")), registry.subjects()::toString);

        RegistryInput in = input();
        FieldMapping mapping = FieldMapping.of(MAPPING, FieldMapping.INPUT_PREFIX);
        String k = in.keyDeserializer().deserialize("payments", key);
        assertEquals("acc-1", k, "an Avro string key is its text");

        Event e1 = in.event(mapping, v1, k, 5L);
        assertEquals("acc-1", e1.getKey());
        assertEquals(1_700_000_000_123L, e1.getTs(), "timestamp-millis");
        assertEquals(1.0, e1.getLabel());
        assertEquals(Map.of("amount", 12.5, "country=FR", 1.0), e1.getFeatures());

        Event e2 = in.event(mapping, v2, k, 5L);
        assertEquals(1_700_000_000_456L, e2.getTs(), "timestamp-micros to epoch ms");
        assertEquals(0.0, e2.getLabel());
        assertEquals(Map.of("country=DE", 1.0), e2.getFeatures(), "a null union branch is a missing feature");
        assertNull(ConfluentKeyDeserializer.failure(k));
    }

    @Test
    void shouldWriteOutputsThatApicuriosDeserializerReads() {
        ConfluentOutputSerializer out = new ConfluentOutputSerializer(input().codec());
        Prediction p = new Prediction("acc-1@5", "acc-1", 5L, "kalman", 7L, 0.125, 0.5, 1.0, null, null, null, null);
        byte[] framed = out.serialize("predictions-x", WireCodec.encode(p, WireFormat.AVRO));
        DeadLetter d = new DeadLetter("payments", 0, 9L, "acc-1", ByteBuffer.wrap(new byte[]{0, 0, 0, 0, 99}),
                "unknown-schema", "schema id 99 is not in the schema registry", 6L);
        byte[] letter = out.serialize("dead-letters-x", WireCodec.encode(d, WireFormat.AVRO));

        AvroKafkaDeserializer<Object> apicurio = ApicurioConfluentSerializer.deserializer(registry.url());
        GenericRecord back = (GenericRecord) apicurio.deserialize("predictions-x", framed);
        assertEquals(0.125, back.get("prediction"));
        assertEquals(7L, back.get("version"));
        assertEquals("kalman", back.get("model").toString());
        GenericRecord letterBack = (GenericRecord) apicurio.deserialize("dead-letters-x", letter);
        assertEquals("unknown-schema", letterBack.get("reason").toString());
        assertTrue(registry.subjects().containsAll(List.of("predictions-x-value", "dead-letters-x-value")),
                registry.subjects()::toString);
    }
}
