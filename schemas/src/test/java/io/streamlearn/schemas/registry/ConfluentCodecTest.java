package io.streamlearn.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamlearn.schemas.Prediction;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfluentCodecTest {

    /** A foreign schema: a union field, both logical-type timestamps, text and a boolean. */
    static final Schema PAYMENT = new Schema.Parser().parse("""
            {"type": "record", "name": "Payment", "namespace": "com.example.payments", "fields": [
              {"name": "account", "type": "string"},
              {"name": "created", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "settled", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}], "default": null},
              {"name": "amount", "type": ["null", "double"], "default": null},
              {"name": "country", "type": ["null", "string"], "default": null},
              {"name": "fraud", "type": "boolean"}
            ]}""");

    private RegistryStub stub;
    private ConfluentCodec codec;

    @BeforeEach
    void start() throws IOException {
        stub = new RegistryStub();
        codec = new ConfluentCodec(new SchemaRegistryClient(RegistryConfig.of(stub.url())
                .withRetry(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(100))));
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    /** Frames a datum by hand with Avro's own writer: the codec's encoder is not used to make its input. */
    static byte[] framed(int id, Schema schema, Object datum) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<>(schema).write(datum, enc);
        enc.flush();
        return out.toByteArray();
    }

    static GenericRecord payment(String account, long createdMs, Long settledMicros, Double amount, String country, boolean fraud) {
        GenericRecord r = new GenericData.Record(PAYMENT);
        r.put("account", account);
        r.put("created", createdMs);
        r.put("settled", settledMicros);
        r.put("amount", amount);
        r.put("country", country);
        r.put("fraud", fraud);
        return r;
    }

    @Test
    void shouldDecodeAForeignAvroRecordWithTheWriterSchema() throws Exception {
        int id = stub.put("AVRO", PAYMENT.toString());
        byte[] value = framed(id, PAYMENT, payment("acc-1", 1_700_000_000_123L, 1_700_000_000_123_456L, 12.5, "FR", true));
        assertTrue(ConfluentCodec.isFramed(value));
        assertEquals(id, ConfluentCodec.schemaId(value));

        GenericRecord r = assertInstanceOf(GenericRecord.class, codec.decode(value));
        assertEquals(PAYMENT.getFullName(), r.getSchema().getFullName());
        assertEquals("acc-1", r.get("account"), "strings are java.lang.String, not Utf8");
        assertEquals(1_700_000_000_123L, r.get("created"), "timestamp-millis stays epoch millis");
        assertEquals(1_700_000_000_123_456L, r.get("settled"), "timestamp-micros stays micros; the field's schema says so");
        assertEquals(12.5, r.get("amount"));
        assertEquals("FR", r.get("country"));
        assertEquals(true, r.get("fraud"));

        GenericRecord nulls = (GenericRecord) codec.decode(framed(id, PAYMENT, payment("acc-2", 5, null, null, null, false)));
        assertNull(nulls.get("settled"));
        assertNull(nulls.get("amount"));
        assertEquals(1, stub.requests.get(), "the writer schema is fetched once");
    }

    @Test
    void shouldWriteWhatPlainAvroReadsBack() throws Exception {
        Prediction p = new Prediction("e-1", "k", 1000L, "kalman", 3L, 0.25, 0.5, null, null, null, null, null);
        byte[] bytes = codec.encode("predictions-value", p);
        assertEquals("POST /subjects/predictions-value/versions", stub.paths.get(0));
        assertEquals(0, bytes[0]);
        int id = ConfluentCodec.schemaId(bytes);
        // The body is plain Avro binary: the same bytes as the single-object encoding's body.
        byte[] single = WireCodec.encode(p, io.streamlearn.schemas.wire.WireFormat.AVRO);
        assertTrue(Arrays.equals(Arrays.copyOfRange(single, 10, single.length), Arrays.copyOfRange(bytes, 5, bytes.length)));
        GenericRecord back = (GenericRecord) codec.decode(bytes);
        assertEquals(0.25, back.get("prediction"));
        assertEquals("kalman", back.get("model").toString());
        assertEquals(id, codec.registry().register("predictions-value", Prediction.getClassSchema()));
    }

    @Test
    void shouldReadJsonSchemaFramedBodiesAsJsonNodes() throws Exception {
        int id = stub.put("JSON", "{\"type\":\"object\",\"properties\":{\"user\":{\"type\":\"string\"}}}");
        byte[] body = "{\"user\":\"u-9\",\"device\":{\"os\":\"ios\"},\"score\":NaN}".getBytes(UTF_8);
        byte[] value = ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(id).put(body).array();
        JsonNode n = assertInstanceOf(JsonNode.class, codec.decode(value));
        assertEquals("u-9", n.path("user").asText());
        assertEquals("ios", n.path("device").path("os").asText());
        assertTrue(Double.isNaN(n.path("score").doubleValue()));

        byte[] broken = ByteBuffer.allocate(5 + 3).put((byte) 0).putInt(id).put("{\"a".getBytes(UTF_8)).array();
        assertEquals("malformed-json", assertThrows(MalformedRecordException.class, () -> codec.decode(broken)).reason());
    }

    @Test
    void shouldDeadLetterUnknownIdsAndBrokenBodies() throws Exception {
        int id = stub.put("AVRO", PAYMENT.toString());
        byte[] good = framed(id, PAYMENT, payment("acc-1", 1L, null, 1.0, "DE", false));

        byte[] unknown = good.clone();
        unknown[4] = 7;
        assertEquals("unknown-schema", reason(unknown));
        assertEquals("malformed-avro", reason(new byte[]{0, 0, 1}));
        assertEquals("malformed-avro", reason(Arrays.copyOf(good, good.length - 1)));
        assertEquals("malformed-avro", reason(Arrays.copyOf(good, good.length + 1)));
        byte[] hugeString = good.clone();
        hugeString[5] = (byte) 0xFE; // zigzag length prefix of 'account' now far past the end
        hugeString[6] = (byte) 0xFF;
        assertEquals("malformed-avro", reason(hugeString));

        int proto = stub.put("PROTOBUF", "syntax = \"proto3\"; message M { string a = 1; }");
        assertEquals("unknown-format", reason(ByteBuffer.allocate(6).put((byte) 0).putInt(proto).put((byte) 0).array()));
    }

    @Test
    void shouldNotDeadLetterWhenTheRegistryIsDown() throws Exception {
        int id = stub.put("AVRO", PAYMENT.toString());
        byte[] value = framed(id, PAYMENT, payment("acc-1", 1L, null, 1.0, "DE", false));
        stub.failNext.set(1_000);
        assertThrows(RegistryUnavailableException.class, () -> codec.decode(value));
        stub.failNext.set(0);
        assertInstanceOf(GenericRecord.class, codec.decode(value), "decodes once the registry is back");
    }

    @Test
    void shouldTurnKeysIntoEntityKeys() throws Exception {
        assertEquals("plain-key", codec.decodeKey("plain-key".getBytes(UTF_8)));
        assertNull(codec.decodeKey(null));

        Schema string = Schema.create(Schema.Type.STRING);
        assertEquals("device-7", codec.decodeKey(framed(stub.put("AVRO", string.toString()), string, "device-7")));
        Schema longKey = Schema.create(Schema.Type.LONG);
        assertEquals("42", codec.decodeKey(framed(stub.put("AVRO", longKey.toString()), longKey, 42L)));

        Schema one = new Schema.Parser().parse(
                "{\"type\":\"record\",\"name\":\"Key\",\"fields\":[{\"name\":\"customer_id\",\"type\":\"string\"}]}");
        GenericRecord k1 = new GenericData.Record(one);
        k1.put("customer_id", "c-17");
        assertEquals("c-17", codec.decodeKey(framed(stub.put("AVRO", one.toString()), one, k1)));

        Schema two = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"LineKey\",\"fields\":["
                + "{\"name\":\"order\",\"type\":\"long\"},{\"name\":\"line\",\"type\":\"int\"}]}");
        GenericRecord k2 = new GenericData.Record(two);
        k2.put("order", 7L);
        k2.put("line", 2);
        assertEquals("{\"order\": 7, \"line\": 2}", codec.decodeKey(framed(stub.put("AVRO", two.toString()), two, k2)));

        int json = stub.put("JSON", "{\"type\":\"object\"}");
        byte[] body = "{\"id\":\"u-1\"}".getBytes(UTF_8);
        assertEquals("u-1", codec.decodeKey(ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(json).put(body).array()));
    }

    @Test
    void shouldNeverTakeTheOtherFormatsForFramedRecords() throws Exception {
        assertFalse(ConfluentCodec.isFramed("{\"key\":\"k\"}".getBytes(UTF_8)));
        assertFalse(ConfluentCodec.isFramed(new byte[]{(byte) 0xC3, 0x01}));
        assertFalse(ConfluentCodec.isFramed(new byte[0]));
        assertFalse(ConfluentCodec.isFramed(null));
    }

    private String reason(byte[] value) {
        return assertThrows(MalformedRecordException.class, () -> codec.decode(value)).reason();
    }
}
