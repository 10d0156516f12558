package io.streamlearn.schemas.wire;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Interoperability with records written and read by plain Avro (generic records, schemas from the .avsc files). */
class AvroInteropTest {

    private static Schema schema(String name) throws Exception {
        return new Schema.Parser().parse(new File("src/main/avro/" + name + ".avsc"));
    }

    /** CRC-64-AVRO, written from the Avro specification ("Schema Fingerprints"), independent of Avro's code. */
    private static long crc64Avro(byte[] buf) {
        final long empty = 0xc15d213aa4d7a795L;
        long[] table = new long[256];
        for (int i = 0; i < 256; i++) {
            long fp = i;
            for (int j = 0; j < 8; j++) {
                fp = (fp >>> 1) ^ (empty & -(fp & 1L));
            }
            table[i] = fp;
        }
        long fp = empty;
        for (byte b : buf) {
            fp = (fp >>> 8) ^ table[(int) (fp ^ b) & 0xff];
        }
        return fp;
    }

    @Test
    void shouldWriteTheSingleObjectHeaderOfTheSpecification() {
        // Parsing Canonical Form of Label.avsc, written by hand from the specification's rules.
        String canonical = "{\"name\":\"io.streamlearn.schemas.Label\",\"type\":\"record\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"key\",\"type\":\"string\"},"
                + "{\"name\":\"ts\",\"type\":\"long\"},{\"name\":\"label\",\"type\":\"double\"}]}";
        long fingerprint = crc64Avro(canonical.getBytes(StandardCharsets.UTF_8));

        byte[] value = WireCodec.encode(new Label("e", "k", 1L, 2.0), WireFormat.AVRO);
        assertEquals((byte) 0xC3, value[0]);
        assertEquals((byte) 0x01, value[1]);
        for (int i = 0; i < 8; i++) {
            assertEquals((byte) (fingerprint >>> (8 * i)), value[2 + i], "fingerprint byte " + i + " (little-endian)");
        }
        // Body: zigzag varint lengths and UTF-8 for "e" and "k", zigzag varint 1 for ts, little-endian 2.0.
        byte[] body = Arrays.copyOfRange(value, 10, value.length);
        byte[] expected = {2, 'e', 2, 'k', 2, 0, 0, 0, 0, 0, 0, 0, 0x40};
        assertEquals(Arrays.toString(expected), Arrays.toString(body));
    }

    @Test
    void shouldDecodeARecordFromAPlainAvroBinaryMessageEncoder() throws Exception {
        Schema schema = schema("Event");
        GenericRecord record = new GenericData.Record(schema);
        record.put("id", "gen-1");
        record.put("key", "device-9");
        record.put("ts", 1_362_067_200_000L);
        Map<String, Double> features = new HashMap<>();
        features.put("temp", -0.0);
        features.put("tiny", Double.MIN_VALUE);
        features.put("bad", Double.NaN);
        record.put("features", features);
        record.put("label", 4.5);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
        byte[] value = new byte[encoded.remaining()];
        encoded.get(value);

        Event e = WireCodec.decodeEvent(value);
        assertEquals("gen-1", e.getId());
        assertEquals("device-9", e.getKey());
        assertEquals(1_362_067_200_000L, e.getTs());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(e.getFeatures().get("temp")));
        assertEquals(Double.MIN_VALUE, e.getFeatures().get("tiny"));
        assertEquals(Double.NaN, e.getFeatures().get("bad"));
        assertEquals(4.5, e.getLabel());
    }

    @Test
    void shouldBeReadableByAPlainAvroBinaryMessageDecoder() throws Exception {
        Schema schema = schema("Event");
        Map<String, Double> features = new HashMap<>();
        features.put("x", 1.5);
        byte[] value = WireCodec.encode(new Event("id-1", "k", 7L, features, null), WireFormat.AVRO);

        GenericRecord record = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), schema).decode(value);
        assertEquals("id-1", record.get("id").toString());
        assertEquals("k", record.get("key").toString());
        assertEquals(7L, record.get("ts"));
        @SuppressWarnings("unchecked")
        Map<Object, Object> map = (Map<Object, Object>) record.get("features");
        assertEquals(1, map.size());
        assertEquals(1.5, map.entrySet().iterator().next().getValue());
        assertNull(record.get("label"));
    }

    /**
     * The prediction schema gained the calibrated intervals (optional, default null): a prediction written
     * with the earlier schema still decodes (intervals null), and a plain Avro reader of the earlier
     * schema, given the writer schema as Avro's single-object decoding requires, reads today's records.
     */
    @Test
    void shouldReadPredictionsOfTheEarlierSchemaAndBeReadByAnEarlierReader() throws Exception {
        Schema old = new Schema.Parser().parse(getClass().getResourceAsStream("/io/streamlearn/schemas/history/Prediction-1.avsc"));
        assertEquals(null, old.getField("lower80"));
        GenericRecord r = new GenericData.Record(old);
        r.put("id", "e-1");
        r.put("key", "k");
        r.put("ts", 5L);
        r.put("model", "kalman");
        r.put("version", 3L);
        r.put("prediction", 1.5);
        r.put("stddev", 0.5);
        r.put("label", null);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old).encode(r);
        byte[] value = new byte[encoded.remaining()];
        encoded.get(value);
        io.streamlearn.schemas.Prediction p = WireCodec.decodePrediction(value);
        assertEquals(1.5, p.getPrediction());
        assertEquals(0.5, p.getStddev());
        assertNull(p.getLower80());
        assertNull(p.getUpper95());

        byte[] now = WireCodec.encode(new io.streamlearn.schemas.Prediction("e-2", "k", 6L, "kalman", 4L, 2.0, 1.0, 2.5,
                0.7, 3.3, -0.1, 4.1), WireFormat.AVRO);
        BinaryMessageDecoder<GenericRecord> earlier = new BinaryMessageDecoder<>(GenericData.get(), old);
        earlier.addSchema(schema("Prediction"));
        GenericRecord back = earlier.decode(now);
        assertEquals(2.0, back.get("prediction"));
        assertEquals(1.0, back.get("stddev"));
        assertEquals(2.5, back.get("label"));
        assertNull(back.getSchema().getField("lower80"), "the earlier reader sees its own fields");
        assertEquals(0.7, WireCodec.decodePrediction(now).getLower80());
        assertEquals(4.1, WireCodec.decodePrediction(now).getUpper95());
    }
}
