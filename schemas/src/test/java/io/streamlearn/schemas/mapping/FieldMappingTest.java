package io.streamlearn.schemas.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FieldMappingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<String, String> FOREIGN = Map.of(
            "streamlearn.input.key", "user.id",
            "streamlearn.input.timestamp", "occurred_at",
            "streamlearn.input.label", "outcome",
            "streamlearn.input.label.positive", "fraud",
            "streamlearn.input.features", "*",
            "unrelated.setting", "x");

    private static final String FOREIGN_JSON = "{\"user\": {\"id\": \"u-1\", \"country\": \"FR\", \"vip\": true, \"age\": null},"
            + " \"occurred_at\": \"2024-01-05T10:00:00Z\", \"outcome\": \"fraud\", \"amount\": 12.5,"
            + " \"device\": {\"os\": \"ios\", \"screen\": {\"w\": 390}}, \"tags\": [\"a\", \"b\"], \"note\": null}";

    private static final long TS = Instant.parse("2024-01-05T10:00:00Z").toEpochMilli();

    private static Map<String, Double> expectedForeignFeatures() {
        Map<String, Double> f = new HashMap<>();
        f.put("user.country=FR", 1.0);
        f.put("user.vip", 1.0);
        f.put("amount", 12.5);
        f.put("device.os=ios", 1.0);
        f.put("device.screen.w", 390.0);
        return f;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Event decode(FieldMapping m, String json) throws Exception {
        return m.decodeEvent(bytes(json), null, -1);
    }

    @Test
    void shouldMapAForeignJsonShapeWithEveryLeafAsAFeature() throws Exception {
        FieldMapping m = FieldMapping.of(FOREIGN, FieldMapping.INPUT_PREFIX);
        assertFalse(m.isDefault());
        Event e = decode(m, FOREIGN_JSON);
        assertEquals("u-1", e.getKey());
        assertEquals(TS, e.getTs());
        assertEquals("u-1@" + TS, e.getId());
        assertEquals(1.0, e.getLabel());
        assertEquals(expectedForeignFeatures(), e.getFeatures());
    }

    @Test
    void shouldGiveTheSameEventFromBytesTreeAndAvroRecord() throws Exception {
        FieldMapping m = FieldMapping.of(FOREIGN, FieldMapping.INPUT_PREFIX);
        Event fromBytes = decode(m, FOREIGN_JSON);
        Event fromTree = m.event(JSON.readTree(FOREIGN_JSON), null, -1);
        assertEquals(fromBytes, fromTree);

        Schema screen = Schema.createRecord("Screen", null, "t", false,
                List.of(new Schema.Field("w", Schema.create(Schema.Type.INT))));
        Schema device = Schema.createRecord("Device", null, "t", false, List.of(
                new Schema.Field("os", Schema.create(Schema.Type.STRING)),
                new Schema.Field("screen", screen)));
        Schema user = Schema.createRecord("User", null, "t", false, List.of(
                new Schema.Field("id", Schema.create(Schema.Type.STRING)),
                new Schema.Field("country", Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING))),
                new Schema.Field("vip", Schema.create(Schema.Type.BOOLEAN)),
                new Schema.Field("age", Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.INT)))));
        Schema micros = org.apache.avro.LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
        Schema outcome = Schema.createEnum("Outcome", null, "t", List.of("ok", "fraud"));
        Schema tx = Schema.createRecord("Tx", null, "t", false, List.of(
                new Schema.Field("user", user),
                new Schema.Field("occurred_at", Schema.createUnion(Schema.create(Schema.Type.NULL), micros)),
                new Schema.Field("outcome", outcome),
                new Schema.Field("amount", Schema.create(Schema.Type.DOUBLE)),
                new Schema.Field("device", device),
                new Schema.Field("tags", Schema.createArray(Schema.create(Schema.Type.STRING)))));
        GenericRecord r = new GenericData.Record(tx);
        GenericRecord u = new GenericData.Record(user);
        u.put("id", new org.apache.avro.util.Utf8("u-1"));
        u.put("country", "FR");
        u.put("vip", true);
        u.put("age", null);
        GenericRecord d = new GenericData.Record(device);
        d.put("os", "ios");
        GenericRecord s = new GenericData.Record(screen);
        s.put("w", 390);
        d.put("screen", s);
        r.put("user", u);
        r.put("occurred_at", TS * 1000 + 999); // micros: truncated to the millisecond
        r.put("outcome", new GenericData.EnumSymbol(outcome, "fraud"));
        r.put("amount", 12.5);
        r.put("device", d);
        r.put("tags", List.of("a", "b"));
        assertEquals(fromBytes, m.event(r, null, -1));
    }

    @Test
    void shouldShareFeatureNameStringsAcrossRecords() throws Exception {
        FieldMapping m = FieldMapping.of(FOREIGN, FieldMapping.INPUT_PREFIX);
        String a = nameOf(decode(m, FOREIGN_JSON), "user.country=FR");
        String b = nameOf(decode(m, FOREIGN_JSON), "user.country=FR");
        assertSame(a, b);
        String p = nameOf(decode(m, FOREIGN_JSON), "device.screen.w");
        String q = nameOf(m.event(JSON.readTree(FOREIGN_JSON), null, -1), "device.screen.w");
        assertSame(p, q);
    }

    private static String nameOf(Event e, String name) {
        for (String k : e.getFeatures().keySet()) {
            if (k.equals(name)) {
                return k;
            }
        }
        throw new AssertionError(name + " not in " + e.getFeatures());
    }

    @Test
    void shouldKeepOnlyListedFeaturesAndFlattenListedObjects() throws Exception {
        Map<String, String> s = new HashMap<>(FOREIGN);
        s.put("streamlearn.input.features", "amount, device, missing.path");
        Event e = decode(FieldMapping.of(s, FieldMapping.INPUT_PREFIX), FOREIGN_JSON);
        assertEquals(Map.of("amount", 12.5, "device.os=ios", 1.0, "device.screen.w", 390.0), e.getFeatures());
    }

    @Test
    void shouldReadBooleanAndNumericLabelsAndRefuseTextWithoutPositive() throws Exception {
        Map<String, String> s = Map.of("streamlearn.input.label", "flag", "streamlearn.input.features", "x");
        FieldMapping m = FieldMapping.of(s, FieldMapping.INPUT_PREFIX);
        assertEquals(0.0, decode(m, "{\"key\":\"k\",\"ts\":5,\"flag\":false,\"x\":1}").getLabel());
        assertEquals(2.5, decode(m, "{\"key\":\"k\",\"ts\":5,\"flag\":2.5,\"x\":1}").getLabel());
        assertNull(decode(m, "{\"key\":\"k\",\"ts\":5,\"flag\":null,\"x\":1}").getLabel());
        MappingException x = assertThrows(MappingException.class, () -> decode(m, "{\"key\":\"k\",\"ts\":5,\"flag\":\"yes\"}"));
        assertEquals(MappingException.BAD_LABEL, x.reason());
        assertEquals("flag", x.path());
        assertTrue(x.getMessage().startsWith("flag: "), x.getMessage());
    }

    @Test
    void shouldNameThePathOfEveryMappingFailure() {
        FieldMapping m = FieldMapping.of(FOREIGN, FieldMapping.INPUT_PREFIX);
        assertFailure(m, "{\"user\":{\"country\":\"FR\"},\"occurred_at\":1}", MappingException.UNMAPPED_KEY, "user.id");
        assertFailure(m, "{\"user\":{\"id\":{\"x\":1}},\"occurred_at\":1}", MappingException.UNMAPPED_KEY, "user.id");
        assertFailure(m, "{\"user\":{\"id\":\"u\"}}", MappingException.UNMAPPED_TIMESTAMP, "occurred_at");
        assertFailure(m, "{\"user\":{\"id\":\"u\"},\"occurred_at\":\"yesterday\"}", MappingException.UNMAPPED_TIMESTAMP, "occurred_at");
        assertFailure(m, "{\"user\":{\"id\":\"u\"},\"occurred_at\":1,\"outcome\":[1]}", MappingException.BAD_LABEL, "outcome");

        FieldMapping listed = FieldMapping.of(Map.of("streamlearn.input.features", "tags",
                "streamlearn.input.key", FieldMapping.RECORD_KEY), FieldMapping.INPUT_PREFIX);
        assertFailure(listed, "{\"ts\":1,\"tags\":null}", MappingException.UNMAPPED_KEY, FieldMapping.RECORD_KEY);
        MappingException x = assertThrows(MappingException.class,
                () -> listed.decodeEvent(bytes("{\"ts\":1,\"tags\":[\"a\"]}"), "k", -1));
        assertEquals(MappingException.BAD_FEATURE, x.reason());
        assertEquals("tags", x.path());
    }

    private static void assertFailure(FieldMapping m, String json, String reason, String path) {
        MappingException x = assertThrows(MappingException.class, () -> decode(m, json));
        assertEquals(reason, x.reason(), x.getMessage());
        assertEquals(path, x.path());
    }

    @Test
    void shouldTakeTheRecordKeyAndTimestampWhenAsked() throws Exception {
        FieldMapping m = FieldMapping.of(Map.of("streamlearn.input.key", "record-key",
                "streamlearn.input.timestamp", "record-timestamp", "streamlearn.input.features", "*"), FieldMapping.INPUT_PREFIX);
        Event e = m.decodeEvent(bytes("{\"key\":\"ignored\",\"ts\":\"x\",\"a\":1}"), "rk", 1234);
        assertEquals("rk", e.getKey());
        assertEquals(1234, e.getTs());
        assertEquals(Map.of("key=ignored", 1.0, "ts=x", 1.0, "a", 1.0), e.getFeatures());
        MappingException x = assertThrows(MappingException.class, () -> m.decodeEvent(bytes("{\"a\":1}"), "rk", -1));
        assertEquals(MappingException.UNMAPPED_TIMESTAMP, x.reason());
        assertEquals(FieldMapping.RECORD_TIMESTAMP, x.path());
    }

    @Test
    void shouldReadTodaysShapeExactlyAsWireCodecWhenNothingIsSet() throws Exception {
        FieldMapping m = FieldMapping.of(Map.of("streamlearn.models", "sgd"), FieldMapping.INPUT_PREFIX);
        assertTrue(m.isDefault());
        String json = "{\"id\":\"e\",\"key\":\"k\",\"ts\":\"2013-02-28T16:00:00Z\",\"features\":{\"a\":-0,\"b\":\"NaN\"},\"label\":1}";
        assertEquals(WireCodec.decodeEvent(bytes(json)), m.decodeEvent(bytes(json), "other", 7));
        MalformedRecordException x = assertThrows(MalformedRecordException.class,
                () -> m.decodeEvent(bytes("{\"key\":\"k\",\"ts\":1,\"features\":{\"c\":\"FR\"}}"), null, -1));
        assertEquals(MalformedRecordException.WRONG_TYPE, x.reason());
        Event avro = new Event("e", "k", 5L, Map.of("a", 1.0), null);
        assertEquals(avro, m.decodeEvent(WireCodec.encode(avro, WireFormat.AVRO), null, -1));
    }

    @Test
    void shouldReadTheDefaultFeaturesMapWithTextOnceAnySettingIsGiven() throws Exception {
        FieldMapping m = FieldMapping.of(Map.of("streamlearn.input.timestamp", "time"), FieldMapping.INPUT_PREFIX);
        Event e = m.decodeEvent(bytes("{\"time\":9,\"features\":{\"a\":-0,\"b\":\"NaN\",\"c\":\"FR\",\"d\":true,\"o\":{\"p\":2}}}"),
                "rk", -1);
        assertEquals("rk", e.getKey());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(e.getFeatures().get("a")));
        assertTrue(e.getFeatures().get("b").isNaN());
        assertEquals(1.0, e.getFeatures().get("c=FR"));
        assertEquals(1.0, e.getFeatures().get("d"));
        assertEquals(2.0, e.getFeatures().get("o.p"));
        assertEquals(5, e.getFeatures().size());
        // the field key wins over the record key (the topology then checks they agree)
        assertEquals("fk", m.decodeEvent(bytes("{\"key\":\"fk\",\"time\":9}"), "rk", -1).getKey());
        assertEquals(Map.of(), m.decodeEvent(bytes("{\"key\":\"fk\",\"time\":9}"), "rk", -1).getFeatures());
    }

    @Test
    void shouldMapLabelsWithTheirOwnSettings() throws Exception {
        FieldMapping m = FieldMapping.of(Map.of("streamlearn.labels.key", "account", "streamlearn.labels.label", "chargeback",
                "streamlearn.labels.id", "tx", "streamlearn.input.key", "ignored"), FieldMapping.LABELS_PREFIX);
        Label l = m.decodeLabel(bytes("{\"account\":42,\"ts\":7,\"chargeback\":true,\"tx\":\"t-9\"}"), null, -1);
        assertEquals(new Label("t-9", "42", 7L, 1.0), l);
        MappingException x = assertThrows(MappingException.class,
                () -> m.decodeLabel(bytes("{\"account\":42,\"ts\":7}"), null, -1));
        assertEquals(MappingException.BAD_LABEL, x.reason());
        assertEquals("chargeback", x.path());
        assertThrows(IllegalArgumentException.class,
                () -> FieldMapping.of(Map.of("streamlearn.labels.features", "*"), FieldMapping.LABELS_PREFIX));
    }

    @Test
    void shouldRefuseUnknownSettingsAndClashingPathsInOneLine() {
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> FieldMapping.of(Map.of("streamlearn.input.feature", "*"), FieldMapping.INPUT_PREFIX));
        assertTrue(a.getMessage().contains("streamlearn.input.feature;"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> FieldMapping.of(Map.of("streamlearn.input.label", "ts"), FieldMapping.INPUT_PREFIX));
        assertTrue(b.getMessage().contains("timestamp"), b.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> FieldMapping.of(Map.of("streamlearn.input.key", "user..id"), FieldMapping.INPUT_PREFIX));
        assertFalse(a.getMessage().contains("\n"));
    }

    @Test
    void shouldReportMalformedJsonAsTheDecoderDoes() {
        FieldMapping m = FieldMapping.of(FOREIGN, FieldMapping.INPUT_PREFIX);
        MalformedRecordException x = assertThrows(MalformedRecordException.class, () -> decode(m, "{\"user\": {\"id\": "));
        assertEquals(MalformedRecordException.MALFORMED_JSON, x.reason());
        MalformedRecordException y = assertThrows(MalformedRecordException.class, () -> decode(m, "{} {}"));
        assertEquals(MalformedRecordException.MALFORMED_JSON, y.reason());
        MalformedRecordException z = assertThrows(MalformedRecordException.class, () -> m.decodeEvent(new byte[0], "k", 1));
        assertEquals(MalformedRecordException.EMPTY, z.reason());
    }

    @Test
    void shouldReadAnOffsetSliceAsAConfluentFramedValueWouldBe() throws Exception {
        FieldMapping m = FieldMapping.of(FOREIGN, FieldMapping.INPUT_PREFIX);
        byte[] body = bytes(FOREIGN_JSON);
        byte[] framed = new byte[5 + body.length];
        System.arraycopy(body, 0, framed, 5, body.length);
        assertEquals(decode(m, FOREIGN_JSON), m.event(framed, 5, body.length, null, -1));
    }

    @Test
    void shouldStopCachingPastTheBudgetButStayCorrect() throws Exception {
        FieldMapping m = FieldMapping.of(Map.of("streamlearn.input.features", "*"), FieldMapping.INPUT_PREFIX);
        for (int i = 0; i < FieldMapping.MAX_PATHS + 10; i++) {
            Event e = m.decodeEvent(bytes("{\"key\":\"k\",\"ts\":1,\"f" + i + "\":" + i + "}"), null, -1);
            assertEquals(Map.of("f" + i, (double) i), e.getFeatures());
        }
    }

    @Test
    void shouldBeReadableFromJsonNodeForAnEmptyTree() throws Exception {
        FieldMapping m = FieldMapping.of(FOREIGN, FieldMapping.INPUT_PREFIX);
        JsonNode empty = JSON.readTree("{}");
        MappingException x = assertThrows(MappingException.class, () -> m.event(empty, "rk", 1));
        assertEquals(MappingException.UNMAPPED_KEY, x.reason());
    }
}
