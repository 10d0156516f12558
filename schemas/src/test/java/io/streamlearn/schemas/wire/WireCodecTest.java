package io.streamlearn.schemas.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class WireCodecTest {

    /** 2013-02-28T16:00:00Z in epoch milliseconds (computed with `date -u -d ... +%s`). */
    private static final long T_2013_02_28_16 = 1_362_067_200_000L;

    private static final double[] AWKWARD_DOUBLES = {
        0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3.0, Math.PI, 1e300, -1e-300, Double.MAX_VALUE, -Double.MAX_VALUE,
        Double.MIN_NORMAL, Double.MIN_VALUE, -Double.MIN_VALUE, Double.longBitsToDouble(0x000F_FFFF_FFFF_FFFFL),
        Double.longBitsToDouble(0x0000_0000_0000_1234L), 9007199254740993.0, 123456789012345678.0, 5e-324, 2.2250738585072011e-308,
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
    };

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Event awkwardEvent() {
        Map<String, Double> features = new LinkedHashMap<>();
        for (int i = 0; i < AWKWARD_DOUBLES.length; i++) {
            features.put("f" + i, AWKWARD_DOUBLES[i]);
        }
        features.put("caf\u00e9 \"quoted\" \\ \uD83D\uDE00", 2.5);
        return new Event("e-1", "device-\u00e9", T_2013_02_28_16 + 7, features, -0.0);
    }

    private static void assertBitEqual(double expected, double actual, String what) {
        assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual),
                what + ": expected " + expected + " got " + actual);
    }

    private static void assertSameEvent(Event expected, Event actual) {
        assertEquals(expected.getId(), actual.getId());
        assertEquals(expected.getKey(), actual.getKey());
        assertEquals(expected.getTs(), actual.getTs());
        assertEquals(expected.getFeatures().keySet(), actual.getFeatures().keySet());
        for (Map.Entry<String, Double> f : expected.getFeatures().entrySet()) {
            assertBitEqual(f.getValue(), actual.getFeatures().get(f.getKey()), f.getKey());
        }
        if (expected.getLabel() == null) {
            assertNull(actual.getLabel());
        } else {
            assertBitEqual(expected.getLabel(), actual.getLabel(), "label");
        }
    }

    private static MalformedRecordException reject(byte[] value) {
        return assertThrows(MalformedRecordException.class, () -> WireCodec.decodeEvent(value));
    }

    private static void assertReason(String reason, byte[] value) {
        MalformedRecordException e = reject(value);
        assertEquals(reason, e.reason(), () -> "detail: " + e.getMessage());
    }

    private static void assertReason(String reason, String json) {
        assertReason(reason, utf8(json));
    }

    // ------------------------------------------------------------------ round trips

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void shouldRoundTripEventsBitExactly(WireFormat format) throws Exception {
        Event e = awkwardEvent();
        assertSameEvent(e, WireCodec.decodeEvent(WireCodec.encode(e, format)));

        Event unlabelled = new Event("e-2", "k", -5L, new HashMap<>(), null);
        assertSameEvent(unlabelled, WireCodec.decodeEvent(WireCodec.encode(unlabelled, format)));
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void shouldRoundTripRandomDoublesBitExactly(WireFormat format) throws Exception {
        Random random = new Random(42);
        Map<String, Double> features = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            // Random bit patterns cover every exponent, subnormals included; NaN payloads are not kept by JSON.
            double d = Double.longBitsToDouble(random.nextLong());
            features.put("x" + i, Double.isNaN(d) ? Double.NaN : d);
        }
        Event e = new Event("id", "key", 1L, features, Double.longBitsToDouble(random.nextLong() >>> 12));
        assertSameEvent(e, WireCodec.decodeEvent(WireCodec.encode(e, format)));
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void shouldRoundTripLabelsPredictionsAndDeadLetters(WireFormat format) throws Exception {
        Label label = new Label("e-1", "k", T_2013_02_28_16, -0.0);
        Label labelBack = WireCodec.decodeLabel(WireCodec.encode(label, format));
        assertEquals(label.getId(), labelBack.getId());
        assertEquals(label.getTs(), labelBack.getTs());
        assertBitEqual(-0.0, labelBack.getLabel(), "label");

        for (Prediction p : new Prediction[] {
            new Prediction("e-1", "k", 12L, "kalman:q=1e-4,r=1,p0=1", 41L, Double.MIN_VALUE, 0.25, 3.0, -1.0, 1.0, -2.0, 2.5),
            new Prediction("e-2", "k", 13L, "sgd", 0L, Double.NaN, null, null, null, null, null, null)}) {
            Prediction back = WireCodec.decodePrediction(WireCodec.encode(p, format));
            assertEquals(p.getId(), back.getId());
            assertEquals(p.getKey(), back.getKey());
            assertEquals(p.getTs(), back.getTs());
            assertEquals(p.getModel(), back.getModel());
            assertEquals(p.getVersion(), back.getVersion());
            assertBitEqual(p.getPrediction(), back.getPrediction(), "prediction");
            assertEquals(p.getStddev(), back.getStddev());
            assertEquals(p.getLabel(), back.getLabel());
        }

        byte[] raw = new byte[256];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        for (DeadLetter d : new DeadLetter[] {
            new DeadLetter("events", 3, 1234567890123L, "k", ByteBuffer.wrap(raw), "malformed-json", "at 1:2", 99L),
            new DeadLetter("labels", 0, 0L, null, null, "empty", null, 100L)}) {
            DeadLetter back = WireCodec.decodeDeadLetter(WireCodec.encode(d, format));
            assertEquals(d, back); // ByteBuffer equality compares the remaining bytes
        }
    }

    @Test
    void shouldWriteJsonWithTheSchemaFieldNamesNullsAndBase64() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode p = mapper.readTree(WireCodec.encode(
                new Prediction("e-1", "k", 12L, "sgd", 4L, 1.5, null, null, null, null, null, null), WireFormat.JSON));
        assertEquals("e-1", p.get("id").asText());
        assertEquals(12L, p.get("ts").asLong());
        assertEquals("sgd", p.get("model").asText());
        assertEquals(4L, p.get("version").asLong());
        assertEquals(1.5, p.get("prediction").asDouble());
        assertTrue(p.get("stddev").isNull());
        assertTrue(p.get("label").isNull());

        JsonNode nan = mapper.readTree(WireCodec.encode(
                new Prediction("e-1", "k", 12L, "sgd", 4L, Double.NaN, Double.POSITIVE_INFINITY, 2.0, null, null, null, null), WireFormat.JSON));
        assertEquals("NaN", nan.get("prediction").asText());
        assertEquals("Infinity", nan.get("stddev").asText());

        byte[] value = {0, (byte) 0xFF, 'a', (byte) 0xC3};
        JsonNode d = mapper.readTree(WireCodec.encode(
                new DeadLetter("events", 1, 2L, null, ByteBuffer.wrap(value), "unknown-format", null, 3L), WireFormat.JSON));
        assertEquals(Base64.getEncoder().encodeToString(value), d.get("value").asText());
        assertTrue(d.get("key").isNull());
        assertTrue(d.get("detail").isNull());
        assertEquals("unknown-format", d.get("reason").asText());
    }

    @Test
    void shouldRefuseToEncodeRecordsWithNullRequiredFields() {
        Event noKey = new Event("id", null, 1L, new HashMap<>(), null);
        for (WireFormat f : WireFormat.values()) {
            assertThrows(IllegalArgumentException.class, () -> WireCodec.encode(noKey, f), f.name());
        }
    }

    // ------------------------------------------------------------------ JSON input rules

    @Test
    void shouldReadTimestampsAsEpochMillisOrIso8601() throws Exception {
        String[][] cases = {
            {"1362067200000", "1362067200000"},
            {"\"1362067200000\"", "1362067200000"},
            {"1.3620672E12", "1362067200000"},
            {"\"2013-02-28T16:00:00Z\"", "1362067200000"},
            {"\"2013-02-28T16:00:00.125Z\"", "1362067200125"},
            {"\"2013-02-28T17:00:00+01:00\"", "1362067200000"},
            {"\"2013-02-28T11:30:00.5-04:30\"", "1362067200500"},
            {"\"2013-02-28T16:00:00.1239999Z\"", "1362067200123"},
            {"\"1969-12-31T23:59:59.9995Z\"", "-1"},
            {"-1", "-1"},
            {"\"2013-02-28T16:00:00\"", "1362067200000"},   // no offset: UTC, as every reader of times
        };
        for (String[] c : cases) {
            Event e = WireCodec.decodeEvent(utf8("{\"key\":\"k\",\"ts\":" + c[0] + ",\"features\":{}}"));
            assertEquals(Long.parseLong(c[1]), e.getTs(), c[0]);
        }
        for (String bad : new String[] {"\"2013-02-28\"", "\"yesterday\"", "\"\"", "1.5", "1e30",
            "123456789012345678901234567890", "\"2013-02-30T16:00:00Z\""}) {
            assertReason("bad-timestamp", "{\"key\":\"k\",\"ts\":" + bad + ",\"features\":{}}");
        }
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":true,\"features\":{}}");
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":{\"ms\":1},\"features\":{}}");
    }

    @Test
    void shouldDefaultTheIdToKeyAtTs() throws Exception {
        Event e = WireCodec.decodeEvent(utf8("{\"key\":\"dev-1\",\"ts\":\"2013-02-28T16:00:00Z\",\"features\":{\"x\":1}}"));
        assertEquals("dev-1@1362067200000", e.getId());
        Event nullId = WireCodec.decodeEvent(utf8("{\"id\":null,\"key\":\"dev-1\",\"ts\":5,\"features\":{}}"));
        assertEquals("dev-1@5", nullId.getId());
        Label l = WireCodec.decodeLabel(utf8("{\"key\":\"dev-1\",\"ts\":1362067200000,\"label\":2}"));
        assertEquals("dev-1@1362067200000", l.getId());
        assertEquals(2.0, l.getLabel());
        assertEquals("given", WireCodec.decodeEvent(utf8("{\"id\":\"given\",\"key\":\"k\",\"ts\":5,\"features\":{}}")).getId());
    }

    @Test
    void shouldDecodeNonFiniteFeaturesForTheValidatorToReject() throws Exception {
        Event e = WireCodec.decodeEvent(utf8("{\"key\":\"k\",\"ts\":1,\"features\":{\"a\":\"NaN\",\"b\":\"Infinity\","
                + "\"c\":\"-Infinity\",\"d\":\"+Infinity\",\"e\":NaN,\"f\":-Infinity,\"g\":1e400,\"h\":-0,\"i\":null},"
                + "\"label\":\"NaN\"}"));
        Map<String, Double> f = e.getFeatures();
        assertTrue(Double.isNaN(f.get("a")));
        assertEquals(Double.POSITIVE_INFINITY, f.get("b"));
        assertEquals(Double.NEGATIVE_INFINITY, f.get("c"));
        assertEquals(Double.POSITIVE_INFINITY, f.get("d"));
        assertTrue(Double.isNaN(f.get("e")));
        assertEquals(Double.NEGATIVE_INFINITY, f.get("f"));
        assertEquals(Double.POSITIVE_INFINITY, f.get("g"));
        assertBitEqual(-0.0, f.get("h"), "integer -0");
        assertTrue(!f.containsKey("i"), "a null feature is a missing feature");
        assertTrue(Double.isNaN(e.getLabel()));
    }

    @Test
    void shouldParseDecimalNumbersToTheNearestDouble() throws Exception {
        // Independent reference: Java's own correctly rounded parser.
        String[] texts = {"0.1", "2.2250738585072011e-308", "4.9e-324", "2.4703282292062328e-324", "1.7976931348623157e308",
            "9007199254740993", "123456789012345678901234567890", "0.30000000000000004", "-1.5E-10", "1E+2"};
        StringBuilder json = new StringBuilder("{\"key\":\"k\",\"ts\":1,\"features\":{");
        for (int i = 0; i < texts.length; i++) {
            json.append(i == 0 ? "" : ",").append("\"n").append(i).append("\":").append(texts[i]);
        }
        Event e = WireCodec.decodeEvent(utf8(json.append("}}").toString()));
        for (int i = 0; i < texts.length; i++) {
            assertBitEqual(Double.parseDouble(texts[i]), e.getFeatures().get("n" + i), texts[i]);
        }

        // Random decimal strings of 1 to 25 significant digits over the whole exponent range, halfway cases
        // included by chance, against Double.parseDouble.
        Random random = new Random(11);
        String[] randomTexts = new String[3000];
        StringBuilder many = new StringBuilder("{\"key\":\"k\",\"ts\":1,\"features\":{");
        for (int i = 0; i < randomTexts.length; i++) {
            StringBuilder digits = new StringBuilder();
            int n = 1 + random.nextInt(25);
            for (int j = 0; j < n; j++) {
                digits.append((char) ('0' + random.nextInt(10)));
            }
            String t = (random.nextBoolean() ? "-" : "") + digits.charAt(0) + "." + (n > 1 ? digits.substring(1) : "0")
                    + "e" + (random.nextInt(660) - 340);
            randomTexts[i] = t;
            many.append(i == 0 ? "" : ",").append("\"r").append(i).append("\":").append(t);
        }
        Event r = WireCodec.decodeEvent(utf8(many.append("}}").toString()));
        for (int i = 0; i < randomTexts.length; i++) {
            assertBitEqual(Double.parseDouble(randomTexts[i]), r.getFeatures().get("r" + i), randomTexts[i]);
        }
    }

    @Test
    void shouldIgnoreUnknownFieldsAndKeepTheLastOfRepeatedFields() throws Exception {
        Event e = WireCodec.decodeEvent(utf8(" \n\t{\"extra\":{\"deep\":[1,2,{\"x\":null}]},\"key\":\"a\",\"key\":\"b\","
                + "\"ts\":3,\"features\":{\"x\":1,\"x\":2},\"more\":\"text\",\"flag\":true}\n"));
        assertEquals("b", e.getKey());
        assertEquals(2.0, e.getFeatures().get("x"));
        assertNull(e.getLabel());
    }

    @Test
    void shouldAcceptByteOrderMarkEscapesAndManyFeatures() throws Exception {
        byte[] json = utf8("\uFEFF{\"key\":\"caf\\u00e9\",\"ts\":1,\"features\":{\"\\ud83d\\ude00\":1.25}}");
        assertEquals((byte) 0xEF, json[0]);
        Event e = WireCodec.decodeEvent(json);
        assertEquals("caf\u00e9", e.getKey());
        assertEquals(1.25, e.getFeatures().get("\uD83D\uDE00"));

        StringBuilder big = new StringBuilder("{\"key\":\"k\",\"ts\":1,\"features\":{");
        for (int i = 0; i < 20_000; i++) {
            big.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":").append(i).append(".5");
        }
        Event many = WireCodec.decodeEvent(utf8(big.append("}}").toString()));
        assertEquals(20_000, many.getFeatures().size());
        assertEquals(19_999.5, many.getFeatures().get("f19999"));
    }

    // ------------------------------------------------------------------ error reasons

    @Test
    void shouldRejectEmptyValues() {
        assertReason("empty", (byte[]) null);
        assertReason("empty", new byte[0]);
        assertReason("empty", " \r\n\t ");
        assertReason("empty", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    }

    @Test
    void shouldRejectUnknownFormats() {
        assertReason("unknown-format", "hello");
        assertReason("unknown-format", "[{\"key\":\"k\"}]");
        assertReason("unknown-format", "\"{}\"");
        assertReason("unknown-format", new byte[] {(byte) 0xC3});
        assertReason("unknown-format", new byte[] {(byte) 0xC3, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        assertReason("unknown-format", new byte[] {0, 1, 2, 3});
        assertReason("unknown-format", new byte[] {(byte) 0x80, '{'});
    }

    @Test
    void shouldRejectMalformedJson() {
        for (String bad : new String[] {"{", "{\"key\":}", "{\"key\":\"k\",}", "{} {}", "{}x", "{\"key\" \"k\"}",
            "{key:\"k\"}", "{\"key\":\"k\",\"ts\":1,\"features\":{}", "{\"key\":\"k\u0000\"}", "{\"a\":[1,2}"}) {
            assertReason("malformed-json", bad);
        }
        assertReason("malformed-json", new byte[] {'{', '"', 'k', (byte) 0xFF, (byte) 0xFE, '"', ':', '1', '}'});
    }

    @Test
    void shouldRejectJsonOverJacksonsLimitsAsMalformed() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertReason("malformed-json", "{\"key\":\"k\",\"ts\":1,\"features\":{},\"junk\":" + deep + "}");
        String longNumber = "1" + "0".repeat(5000);
        assertReason("malformed-json", "{\"key\":\"k\",\"ts\":1,\"features\":{\"x\":" + longNumber + "}}");
    }

    @Test
    void shouldRejectMissingFields() {
        assertReason("missing-field", "{}");
        assertReason("missing-field", "{\"ts\":1,\"features\":{}}");
        assertReason("missing-field", "{\"key\":null,\"ts\":1,\"features\":{}}");
        assertReason("missing-field", "{\"key\":\"k\",\"features\":{}}");
        assertReason("missing-field", "{\"key\":\"k\",\"ts\":null,\"features\":{}}");
        assertReason("missing-field", "{\"key\":\"k\",\"ts\":1}");
        assertReason("missing-field", "{\"key\":\"k\",\"ts\":1,\"features\":null}");
        MalformedRecordException e = reject(utf8("{\"ts\":1,\"features\":{}}"));
        assertTrue(e.getMessage().contains("key"), e.getMessage());

        MalformedRecordException label = assertThrows(MalformedRecordException.class,
                () -> WireCodec.decodeLabel(utf8("{\"id\":\"e\",\"key\":\"k\",\"ts\":1}")));
        assertEquals("missing-field", label.reason());
        MalformedRecordException prediction = assertThrows(MalformedRecordException.class,
                () -> WireCodec.decodePrediction(utf8("{\"key\":\"k\",\"ts\":1,\"model\":\"m\",\"version\":1,\"prediction\":1}")));
        assertEquals("missing-field", prediction.reason());
    }

    @Test
    void shouldRejectWrongTypes() {
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":1,\"features\":{\"x\":\"abc\"}}");
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":1,\"features\":{\"x\":\"1.5\"}}");
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":1,\"features\":{\"x\":true}}");
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":1,\"features\":{\"x\":[1]}}");
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":1,\"features\":{\"x\":{\"y\":1}}}");
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":1,\"features\":[1,2]}");
        assertReason("wrong-type", "{\"key\":7,\"ts\":1,\"features\":{}}");
        assertReason("wrong-type", "{\"key\":\"k\",\"ts\":1,\"features\":{},\"label\":\"yes\"}");
        MalformedRecordException e = reject(utf8("{\"key\":\"k\",\"ts\":1,\"features\":{\"temp\":\"hot\"}}"));
        assertTrue(e.getMessage().contains("temp"), e.getMessage());

        MalformedRecordException partition = assertThrows(MalformedRecordException.class, () -> WireCodec.decodeDeadLetter(
                utf8("{\"topic\":\"t\",\"partition\":1.5,\"offset\":1,\"reason\":\"r\",\"time\":1}")));
        assertEquals("wrong-type", partition.reason());
        MalformedRecordException base64 = assertThrows(MalformedRecordException.class, () -> WireCodec.decodeDeadLetter(
                utf8("{\"topic\":\"t\",\"partition\":1,\"offset\":1,\"value\":\"!!not base64!!\",\"reason\":\"r\",\"time\":1}")));
        assertEquals("wrong-type", base64.reason());
    }

    // ------------------------------------------------------------------ Avro input

    @Test
    void shouldRejectEveryTruncationOfAnAvroRecord() throws Exception {
        byte[] full = WireCodec.encode(awkwardEvent(), WireFormat.AVRO);
        for (int n = 2; n < full.length; n++) {
            byte[] prefix = java.util.Arrays.copyOf(full, n);
            assertReason("malformed-avro", prefix);
        }
        byte[] longer = java.util.Arrays.copyOf(full, full.length + 1);
        assertReason("malformed-avro", longer);
    }

    @Test
    void shouldRejectAvroLengthsPastTheEndWithoutAllocatingThem() {
        // Header and Event fingerprint, then an id whose length prefix claims 1.5 GB: Avro alone would try to
        // allocate the string before noticing the record is 15 bytes long.
        byte[] header = java.util.Arrays.copyOf(WireCodec.encode(awkwardEvent(), WireFormat.AVRO), 10);
        byte[] value = java.util.Arrays.copyOf(header, 15);
        long zigzag = 1_500_000_000L << 1;
        int i = 10;
        while ((zigzag & ~0x7FL) != 0) {
            value[i++] = (byte) ((zigzag & 0x7F) | 0x80);
            zigzag >>>= 7;
        }
        value[i] = (byte) zigzag;
        assertReason("malformed-avro", value);

        // A map claiming 2^30 entries in a 20-byte record.
        byte[] map = java.util.Arrays.copyOf(header, 20);
        byte[] body = {2, 'i', 2, 'k', 10, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
        System.arraycopy(body, 0, map, 10, body.length);
        assertReason("malformed-avro", map);

        // A negative string length.
        byte[] negative = java.util.Arrays.copyOf(header, 11);
        negative[10] = 3; // zigzag for -2
        assertReason("malformed-avro", negative);
    }

    @Test
    void shouldRejectOtherSchemasAsUnknown() {
        byte[] label = WireCodec.encode(new Label("e", "k", 1L, 2.0), WireFormat.AVRO);
        MalformedRecordException e = reject(label);
        assertEquals("unknown-schema", e.reason());
        assertTrue(e.getMessage().contains(AvroWire.fingerprintHex(label)), e.getMessage());

        byte[] random = WireCodec.encode(awkwardEvent(), WireFormat.AVRO);
        random[5] ^= 0x40;
        assertReason("unknown-schema", random);
        MalformedRecordException asPrediction = assertThrows(MalformedRecordException.class,
                () -> WireCodec.decodePrediction(WireCodec.encode(awkwardEvent(), WireFormat.AVRO)));
        assertEquals("unknown-schema", asPrediction.reason());
    }

    @Test
    void shouldNeverThrowAnythingElseOnGarbage() {
        Random random = new Random(7);
        byte[] header = java.util.Arrays.copyOf(WireCodec.encode(awkwardEvent(), WireFormat.AVRO), 10);
        int decoded = 0;
        int rejected = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] value = new byte[random.nextInt(64)];
            random.nextBytes(value);
            if (trial % 3 == 0 && value.length >= 10) {
                System.arraycopy(header, 0, value, 0, 10); // valid header, garbage body
            } else if (trial % 3 == 1 && value.length > 0) {
                value[0] = '{';
            }
            try {
                Event e = WireCodec.decodeEvent(value);
                assertTrue(e.getKey() != null && e.getId() != null && e.getFeatures() != null);
                decoded++;
            } catch (MalformedRecordException e) {
                assertTrue(e.reason().matches("[a-z-]+"), e.reason());
                rejected++;
            } catch (RuntimeException | Error e) {
                fail("garbage " + java.util.HexFormat.of().formatHex(value) + " threw " + e);
            }
        }
        assertEquals(20_000, decoded + rejected);
        assertTrue(rejected > 19_000, "rejected " + rejected);
    }

    @Test
    void shouldDecodeConcurrentlyFromSeveralThreads() throws Exception {
        int threads = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int thread = t;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int n = 0; n < 2000; n++) {
                        Map<String, Double> features = new HashMap<>();
                        features.put("x", thread * 10_000.0 + n);
                        Event e = new Event("t" + thread + "-" + n, "k" + thread, (long) n, features, null);
                        WireFormat f = n % 2 == 0 ? WireFormat.AVRO : WireFormat.JSON;
                        Event back = WireCodec.decodeEvent(WireCodec.encode(e, f));
                        if (back.equals(e)) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (java.util.concurrent.Future<Integer> r : results) {
                assertEquals(2000, r.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ formats

    @Test
    void shouldParseAndDetectFormats() {
        assertEquals(WireFormat.AVRO, WireFormat.parse(" Avro "));
        assertEquals(WireFormat.JSON, WireFormat.parse("JSON"));
        assertThrows(IllegalArgumentException.class, () -> WireFormat.parse("protobuf"));
        assertThrows(IllegalArgumentException.class, () -> WireFormat.parse(null));
        assertEquals(WireFormat.AVRO, WireFormat.detect(WireCodec.encode(awkwardEvent(), WireFormat.AVRO)));
        assertEquals(WireFormat.JSON, WireFormat.detect(WireCodec.encode(awkwardEvent(), WireFormat.JSON)));
        assertNull(WireFormat.detect(utf8("  ")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"key\":\"k\",\"ts\":1,\"features\":{}}", "  {\"key\":\"k\",\"ts\":1,\"features\":{}}  "})
    void shouldDecodeMinimalJsonEvents(String json) throws Exception {
        Event e = WireCodec.decodeEvent(utf8(json));
        assertEquals("k", e.getKey());
        assertEquals(1L, e.getTs());
        assertTrue(e.getFeatures().isEmpty());
        assertArrayEquals(WireCodec.encode(e, WireFormat.JSON), WireCodec.encode(WireCodec.decodeEvent(
                WireCodec.encode(e, WireFormat.AVRO)), WireFormat.JSON));
    }
}
