package io.streamlearn.schemas.mapping;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static io.streamlearn.schemas.mapping.MappingException.BAD_LABEL;
import static io.streamlearn.schemas.mapping.MappingException.UNMAPPED_KEY;
import static io.streamlearn.schemas.mapping.MappingException.UNMAPPED_TIMESTAMP;

/**
 * Reads events and labels of a foreign shape: which field is the key, the time, the label, the id and the
 * features, from the settings {@code streamlearn.input.*} (events) or {@code streamlearn.labels.*} (labels).
 * The same mapping reads JSON bytes, a Jackson tree and an Avro {@link GenericRecord}, and gives today's
 * {@link Event} (or {@link Label}) or a {@link MappingException} with a reason and the path.
 *
 * <h2>Settings</h2> (each under the prefix; paths are dot-separated, {@code device.location.city})
 * <ul>
 *   <li>{@code key}: a path, or {@value #RECORD_KEY}. Default: the field {@code key}, else the record key.
 *       A string, or a number (its decimal text).</li>
 *   <li>{@code timestamp}: a path, or {@value #RECORD_TIMESTAMP}. Default {@code ts}. Epoch milliseconds
 *       (a number or a string of digits), ISO-8601 text with an offset (or without, read as UTC), Avro
 *       {@code timestamp-millis}/{@code timestamp-micros}/{@code timestamp-nanos} and {@code date}.</li>
 *   <li>{@code label}: a path, default {@code label}. Numbers; booleans as 1/0; text only with
 *       {@code label.positive=VALUE}: 1 for VALUE, else 0. Absent or null: no label (a label record needs one).</li>
 *   <li>{@code id}: a path, default {@code id}; absent or null: {@code <key>@<ts>}.</li>
 *   <li>{@code features} (events only): comma-separated paths, or {@value #ALL} for every leaf except the
 *       key, timestamp, label and id. Default: the map {@code features} (names are the map's keys).</li>
 * </ul>
 *
 * <h2>Feature values</h2>
 * Numbers as they are; booleans 1/0; text {@code t} at path {@code p} is the indicator feature
 * {@code p=t} with value 1 (one-hot); null or absent is missing (left out of the map). Objects flatten to
 * their dot paths ({@code device.os}); arrays are skipped (an array at a listed path is {@code bad-feature}).
 * Inside the default {@code features} map the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"} are numbers, as in {@link WireCodec}. Feature-name strings are made once per path and
 * per text value (up to {@value #MAX_INDICATORS} distinct texts and {@value #MAX_PATHS} paths per mapping,
 * past which they are made per record) and shared by all records.
 *
 * <h2>Today's event shape</h2>
 * With no setting under the prefix, {@link #isDefault()} is true and {@link #decodeEvent}/{@link #decodeLabel}
 * are exactly {@link WireCodec#decodeEvent}/{@link WireCodec#decodeLabel}. Avro single-object records (of
 * Streamlearn's own schemas) are always read by {@link WireCodec}, whatever the settings.
 *
 * <pre>{@code
 * FieldMapping m = FieldMapping.of(Map.of(
 *         "streamlearn.input.key", "user.id",
 *         "streamlearn.input.timestamp", "occurred_at",
 *         "streamlearn.input.label", "outcome",
 *         "streamlearn.input.label.positive", "fraud",
 *         "streamlearn.input.features", "*"), FieldMapping.INPUT_PREFIX);
 * Event e = m.event(jsonNode, recordKey, recordTimestamp);   // or m.event(genericRecord, ...)
 * }</pre>
 *
 * Immutable configuration plus thread-safe caches of feature names: one instance serves every thread.
 */
public final class FieldMapping {

    /** Prefix of the event topic's settings. */
    public static final String INPUT_PREFIX = "streamlearn.input.";
    /** Prefix of the labels topic's settings. */
    public static final String LABELS_PREFIX = "streamlearn.labels.";
    /** The {@code key} setting that takes the Kafka record key. */
    public static final String RECORD_KEY = "record-key";
    /** The {@code timestamp} setting that takes the Kafka record timestamp. */
    public static final String RECORD_TIMESTAMP = "record-timestamp";
    /** The {@code features} setting for every leaf field. */
    public static final String ALL = "*";

    public static final String KEY = "key";
    public static final String TIMESTAMP = "timestamp";
    public static final String LABEL = "label";
    public static final String LABEL_POSITIVE = "label.positive";
    public static final String ID = "id";
    public static final String FEATURES = "features";

    static final int MAX_PATHS = 4096;
    static final int MAX_INDICATORS = 65536;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private enum KeyMode { DEFAULT, RECORD, FIELD }

    private final String prefix;
    private final boolean labels;
    private final boolean isDefault;
    private final Map<String, String> settings;
    private final KeyMode keyMode;
    private final boolean recordTimestamp;
    private final String positive;
    private final PathNode root;
    private final String keyPath;
    private final String timestampPath;

    private FieldMapping(String prefix, Map<String, String> settings) {
        this.prefix = prefix;
        this.labels = prefix.equals(LABELS_PREFIX);
        this.settings = settings;
        this.isDefault = settings.isEmpty();
        Set<String> known = labels ? Set.of(KEY, TIMESTAMP, LABEL, LABEL_POSITIVE, ID)
                : Set.of(KEY, TIMESTAMP, LABEL, LABEL_POSITIVE, ID, FEATURES);
        for (String k : settings.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown setting " + prefix + k + "; known: "
                        + String.join(", ", known.stream().sorted().map(s -> prefix + s).toList()));
            }
        }
        this.root = PathNode.root(new PathNode.Budget(MAX_PATHS, MAX_INDICATORS));
        String key = setting(KEY, null);
        if (key == null) {
            keyMode = KeyMode.DEFAULT;
            keyPath = "key";
        } else if (key.equals(RECORD_KEY)) {
            keyMode = KeyMode.RECORD;
            keyPath = RECORD_KEY;
        } else {
            keyMode = KeyMode.FIELD;
            keyPath = key;
        }
        String ts = setting(TIMESTAMP, "ts");
        recordTimestamp = ts.equals(RECORD_TIMESTAMP);
        timestampPath = ts;
        positive = setting(LABEL_POSITIVE, null);
        if (keyMode != KeyMode.RECORD) {
            role(keyPath, PathNode.Role.KEY, KEY);
        }
        if (!recordTimestamp) {
            role(ts, PathNode.Role.TIMESTAMP, TIMESTAMP);
        }
        role(setting(LABEL, "label"), PathNode.Role.LABEL, LABEL);
        role(setting(ID, "id"), PathNode.Role.ID, ID);
        if (!labels) {
            String features = setting(FEATURES, null);
            if (features == null) {
                PathNode map = root.configure(FEATURES);
                if (map.role != PathNode.Role.NONE) {
                    throw new IllegalArgumentException(prefix + FEATURES + " must be set: the field 'features' has the role "
                            + map.role.name().toLowerCase(Locale.ROOT));
                }
                map.map = true;
                map.features = true;
            } else if (features.equals(ALL)) {
                allFeatures(root);
            } else {
                for (String f : features.split(",")) {
                    if (!f.isBlank()) {
                        PathNode n = role(f.trim(), PathNode.Role.FEATURE, FEATURES);
                        n.features = true;
                        n.listed = true;
                    }
                }
            }
        }
    }

    /**
     * The mapping of the settings under {@code prefix} in {@code settings} (other entries are ignored).
     *
     * @param settings all settings (e.g. the properties file with {@code --set} applied); not null
     * @param prefix   {@link #INPUT_PREFIX} or {@link #LABELS_PREFIX}
     * @throws IllegalArgumentException with a one-line message for an unknown setting under the prefix, an
     *                                  empty path or segment, or two roles on one path
     */
    public static FieldMapping of(Map<String, ?> settings, String prefix) {
        if (!prefix.equals(INPUT_PREFIX) && !prefix.equals(LABELS_PREFIX)) {
            throw new IllegalArgumentException("prefix must be " + INPUT_PREFIX + " or " + LABELS_PREFIX + ", got " + prefix);
        }
        Map<String, String> mine = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : settings.entrySet()) {
            if (e.getKey().startsWith(prefix) && e.getValue() != null && !e.getValue().toString().isBlank()) {
                mine.put(e.getKey().substring(prefix.length()), e.getValue().toString().trim());
            }
        }
        return new FieldMapping(prefix, mine);
    }

    /** The mapping of today's event shape (no setting): {@link #isDefault()} is true. */
    public static FieldMapping defaults(String prefix) {
        return of(Map.of(), prefix);
    }

    /** @return true when no setting was given: today's shape, read by {@link WireCodec} unchanged */
    public boolean isDefault() {
        return isDefault;
    }

    /** @return the settings given, without the prefix, in their order */
    public Map<String, String> settings() {
        return settings;
    }

    private String setting(String name, String fallback) {
        return settings.getOrDefault(name, fallback);
    }

    private PathNode role(String path, PathNode.Role role, String setting) {
        PathNode n = root;
        for (String segment : path.split("\\.", -1)) {
            if (segment.isBlank()) {
                throw new IllegalArgumentException(prefix + setting + ": '" + path + "' has an empty segment");
            }
            n = n.configure(segment.trim());
        }
        if (n.role != PathNode.Role.NONE) {
            throw new IllegalArgumentException(prefix + setting + ": '" + path + "' is already the "
                    + n.role.name().toLowerCase(Locale.ROOT) + " path");
        }
        n.role = role;
        return n;
    }

    private static void allFeatures(PathNode n) {
        n.features = true;
        for (PathNode c : n.configuredChildren()) {
            allFeatures(c);
        }
    }

    // ------------------------------------------------------------------ bytes

    /**
     * Decodes and maps an event: exactly {@link WireCodec#decodeEvent} when {@link #isDefault()} or for Avro
     * single-object records; otherwise a JSON object mapped by the settings.
     *
     * @param value           the record value; may be null (then {@code empty})
     * @param recordKey       the Kafka record key; may be null
     * @param recordTimestamp the Kafka record timestamp, epoch ms (negative: none)
     * @throws MalformedRecordException when the bytes are not a record at all (the decoder's reasons)
     * @throws MappingException         when the record cannot be mapped
     */
    public Event decodeEvent(byte[] value, String recordKey, long recordTimestamp)
            throws MalformedRecordException, MappingException {
        if (isDefault || WireFormat.detect(value) != WireFormat.JSON) {
            return WireCodec.decodeEvent(value);
        }
        return event(value, 0, value.length, recordKey, recordTimestamp);
    }

    /** As {@link #decodeEvent}, for labels (with the {@code streamlearn.labels.*} settings). */
    public Label decodeLabel(byte[] value, String recordKey, long recordTimestamp)
            throws MalformedRecordException, MappingException {
        if (isDefault || WireFormat.detect(value) != WireFormat.JSON) {
            return WireCodec.decodeLabel(value);
        }
        return label(value, 0, value.length, recordKey, recordTimestamp);
    }

    /**
     * Maps one JSON object, read from {@code json[offset, offset + length)} with Jackson's streaming parser
     * (a Confluent-framed JSON value passes the offset after its 5-byte header).
     *
     * @throws MalformedRecordException {@code malformed-json} when the bytes are not one JSON object
     */
    public Event event(byte[] json, int offset, int length, String recordKey, long recordTimestamp)
            throws MalformedRecordException, MappingException {
        Assembly a = new Assembly(positive, true);
        walkJson(json, offset, length, a);
        return toEvent(a, recordKey, recordTimestamp);
    }

    /** As {@link #event(byte[], int, int, String, long)}, for labels. */
    public Label label(byte[] json, int offset, int length, String recordKey, long recordTimestamp)
            throws MalformedRecordException, MappingException {
        Assembly a = new Assembly(positive, false);
        walkJson(json, offset, length, a);
        return toLabel(a, recordKey, recordTimestamp);
    }

    // ------------------------------------------------------------------ trees and records

    /**
     * Maps a Jackson tree (an object node).
     *
     * @param value           the record's value; not null
     * @param recordKey       the Kafka record key; may be null
     * @param recordTimestamp the Kafka record timestamp, epoch ms (negative: none)
     */
    public Event event(JsonNode value, String recordKey, long recordTimestamp) throws MappingException {
        Assembly a = new Assembly(positive, true);
        walkTree(value, root, a);
        return toEvent(a, recordKey, recordTimestamp);
    }

    /** As {@link #event(JsonNode, String, long)}, for labels. */
    public Label label(JsonNode value, String recordKey, long recordTimestamp) throws MappingException {
        Assembly a = new Assembly(positive, false);
        walkTree(value, root, a);
        return toLabel(a, recordKey, recordTimestamp);
    }

    /**
     * Maps an Avro generic record (read with its writer schema, e.g. from a Schema Registry).
     *
     * @param value           the record's value; not null
     * @param recordKey       the Kafka record key; may be null
     * @param recordTimestamp the Kafka record timestamp, epoch ms (negative: none)
     */
    public Event event(GenericRecord value, String recordKey, long recordTimestamp) throws MappingException {
        Assembly a = new Assembly(positive, true);
        walkAvro(value, root, a);
        return toEvent(a, recordKey, recordTimestamp);
    }

    /** As {@link #event(GenericRecord, String, long)}, for labels. */
    public Label label(GenericRecord value, String recordKey, long recordTimestamp) throws MappingException {
        Assembly a = new Assembly(positive, false);
        walkAvro(value, root, a);
        return toLabel(a, recordKey, recordTimestamp);
    }

    // ------------------------------------------------------------------ result

    private String key(Assembly a, String recordKey) throws MappingException {
        switch (keyMode) {
            case RECORD:
                if (recordKey == null || recordKey.isEmpty()) {
                    throw new MappingException(UNMAPPED_KEY, RECORD_KEY, "the record has no key");
                }
                return recordKey;
            case FIELD:
                if (a.key == null || a.key.isEmpty()) {
                    throw new MappingException(UNMAPPED_KEY, keyPath, "absent, null or empty");
                }
                return a.key;
            default:
                if (a.key != null && !a.key.isEmpty()) {
                    return a.key;
                }
                if (recordKey == null || recordKey.isEmpty()) {
                    throw new MappingException(UNMAPPED_KEY, keyPath, "neither the field nor the record key is set");
                }
                return recordKey;
        }
    }

    private long timestamp(Assembly a, long recordTs) throws MappingException {
        if (recordTimestamp) {
            if (recordTs < 0) {
                throw new MappingException(UNMAPPED_TIMESTAMP, RECORD_TIMESTAMP, "the record has no timestamp");
            }
            return recordTs;
        }
        if (!a.hasTimestamp) {
            throw new MappingException(UNMAPPED_TIMESTAMP, timestampPath, "absent or null");
        }
        return a.timestamp;
    }

    private Event toEvent(Assembly a, String recordKey, long recordTs) throws MappingException {
        String key = key(a, recordKey);
        long ts = timestamp(a, recordTs);
        String id = a.id != null ? a.id : key + "@" + ts;
        return new Event(id, key, ts, a.features, a.label);
    }

    private Label toLabel(Assembly a, String recordKey, long recordTs) throws MappingException {
        String key = key(a, recordKey);
        long ts = timestamp(a, recordTs);
        if (a.label == null) {
            throw new MappingException(BAD_LABEL, setting(LABEL, "label"), "a label record without a label");
        }
        String id = a.id != null ? a.id : key + "@" + ts;
        return new Label(id, key, ts, a.label);
    }

    // ------------------------------------------------------------------ JSON bytes

    private void walkJson(byte[] json, int offset, int length, Assembly a) throws MalformedRecordException, MappingException {
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new MalformedRecordException(MalformedRecordException.MALFORMED_JSON,
                        "expected a JSON object, found " + first);
            }
            jsonObject(p, root, a);
            if (p.nextToken() != null) {
                throw new MalformedRecordException(MalformedRecordException.MALFORMED_JSON,
                        "trailing content after the object: " + p.currentToken());
            }
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_JSON, e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array does not do I/O
        }
    }

    /** The parser is on START_OBJECT; returns on its END_OBJECT. */
    private static void jsonObject(JsonParser p, PathNode node, Assembly a)
            throws IOException, MalformedRecordException, MappingException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            PathNode n = node.child(p.currentName());
            JsonToken t = p.nextToken();
            if (n == null) {
                p.skipChildren();
                continue;
            }
            switch (t) {
                case START_OBJECT:
                    if (Assembly.descends(n)) {
                        jsonObject(p, n, a);
                    } else {
                        a.nonScalar(n, false);
                        p.skipChildren();
                    }
                    break;
                case START_ARRAY:
                    a.nonScalar(n, true);
                    p.skipChildren();
                    break;
                case VALUE_STRING:
                    a.text(n, p.getText());
                    break;
                case VALUE_NUMBER_INT:
                    if (n.role == PathNode.Role.KEY || n.role == PathNode.Role.ID) {
                        a.text(n, p.getText());
                    } else if (n.role == PathNode.Role.TIMESTAMP) {
                        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                            throw new MappingException(UNMAPPED_TIMESTAMP, n.path, "out of range: " + p.getText());
                        }
                        a.timestamp(n, p.getLongValue());
                    } else {
                        double d = p.getDoubleValue();
                        if (d == 0.0 && p.getTextCharacters()[p.getTextOffset()] == '-') {
                            d = -0.0; // an integer -0 keeps its sign, as in WireCodec
                        }
                        a.number(n, d);
                    }
                    break;
                case VALUE_NUMBER_FLOAT:
                    if (n.role == PathNode.Role.KEY || n.role == PathNode.Role.ID) {
                        a.text(n, p.getText());
                    } else {
                        a.number(n, p.getDoubleValue());
                    }
                    break;
                case VALUE_TRUE:
                case VALUE_FALSE:
                    a.bool(n, t == JsonToken.VALUE_TRUE);
                    break;
                default: // VALUE_NULL: missing
                    break;
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new MalformedRecordException(MalformedRecordException.MALFORMED_JSON,
                    "unexpected " + p.currentToken() + " in object");
        }
    }

    // ------------------------------------------------------------------ Jackson tree

    private static void walkTree(JsonNode object, PathNode node, Assembly a) throws MappingException {
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            PathNode n = node.child(f.getKey());
            if (n != null) {
                treeValue(f.getValue(), n, a);
            }
        }
    }

    private static void treeValue(JsonNode v, PathNode n, Assembly a) throws MappingException {
        switch (v.getNodeType()) {
            case OBJECT:
                if (Assembly.descends(n)) {
                    walkTree(v, n, a);
                } else {
                    a.nonScalar(n, false);
                }
                break;
            case ARRAY:
                a.nonScalar(n, true);
                break;
            case STRING:
                a.text(n, v.textValue());
                break;
            case NUMBER:
                if (n.role == PathNode.Role.KEY || n.role == PathNode.Role.ID) {
                    a.text(n, v.asText());
                } else if (n.role == PathNode.Role.TIMESTAMP && v.isIntegralNumber()) {
                    if (!v.canConvertToLong()) {
                        throw new MappingException(UNMAPPED_TIMESTAMP, n.path, "out of range: " + v.asText());
                    }
                    a.timestamp(n, v.longValue());
                } else {
                    a.number(n, v.doubleValue());
                }
                break;
            case BOOLEAN:
                a.bool(n, v.booleanValue());
                break;
            default: // NULL, MISSING: missing; BINARY, POJO: not a feature
                break;
        }
    }

    // ------------------------------------------------------------------ Avro

    private static void walkAvro(GenericRecord record, PathNode node, Assembly a) throws MappingException {
        List<Schema.Field> fields = record.getSchema().getFields();
        for (int i = 0, size = fields.size(); i < size; i++) {
            Schema.Field f = fields.get(i);
            PathNode n = node.child(f.name());
            if (n != null) {
                avroValue(record.get(i), f.schema(), n, a);
            }
        }
    }

    private static void avroValue(Object v, Schema schema, PathNode n, Assembly a) throws MappingException {
        if (v == null) {
            return;
        }
        if (v instanceof GenericRecord) {
            if (Assembly.descends(n)) {
                walkAvro((GenericRecord) v, n, a);
            } else {
                a.nonScalar(n, false);
            }
        } else if (v instanceof CharSequence) {
            a.text(n, v.toString());
        } else if (v instanceof Boolean) {
            a.bool(n, (Boolean) v);
        } else if (v instanceof Integer || v instanceof Long) {
            long l = ((Number) v).longValue();
            if (n.role == PathNode.Role.KEY || n.role == PathNode.Role.ID) {
                a.text(n, Long.toString(l));
            } else if (n.role == PathNode.Role.TIMESTAMP) {
                a.timestamp(n, epochMillis(l, branch(schema, v)));
            } else {
                a.number(n, l);
            }
        } else if (v instanceof Float || v instanceof Double) {
            if (n.role == PathNode.Role.KEY || n.role == PathNode.Role.ID) {
                a.text(n, v.toString());
            } else {
                a.number(n, ((Number) v).doubleValue());
            }
        } else if (v instanceof GenericEnumSymbol) {
            a.text(n, v.toString());
        } else if (v instanceof Map) {
            if (Assembly.descends(n)) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    PathNode c = n.child(e.getKey().toString());
                    if (c != null) {
                        avroValue(e.getValue(), branch(schema, v).getValueType(), c, a);
                    }
                }
            } else {
                a.nonScalar(n, false);
            }
        } else if (v instanceof Collection) {
            a.nonScalar(n, true);
        } else if (v instanceof Instant) {
            a.timestamp(n, ((Instant) v).toEpochMilli());
        } else if (v instanceof LocalDate) {
            a.timestamp(n, ((LocalDate) v).toEpochDay() * 86_400_000L);
        } else if (v instanceof BigDecimal) {
            a.number(n, ((BigDecimal) v).doubleValue());
        }
        // bytes and fixed: not a feature
    }

    /** The branch of a union that a value was written with (the schema itself when not a union). */
    private static Schema branch(Schema schema, Object v) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        for (Schema s : schema.getTypes()) {
            switch (s.getType()) {
                case LONG: if (v instanceof Long) return s; break;
                case INT: if (v instanceof Integer) return s; break;
                case MAP: if (v instanceof Map) return s; break;
                default: break;
            }
        }
        return schema.getTypes().get(schema.getTypes().size() - 1);
    }

    /** Epoch milliseconds of an Avro int or long under its logical type (none: milliseconds). */
    private static long epochMillis(long value, Schema schema) {
        LogicalType t = schema.getLogicalType();
        if (t == null) {
            return value;
        }
        switch (t.getName()) {
            case "timestamp-micros":
            case "local-timestamp-micros":
                return Math.floorDiv(value, 1000L);
            case "timestamp-nanos":
            case "local-timestamp-nanos":
                return Math.floorDiv(value, 1_000_000L);
            case "date":
                return value * 86_400_000L;
            default:
                return value;
        }
    }

    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        settings.forEach((k, v) -> s.add(prefix + k + "=" + v));
        return isDefault ? "FieldMapping[" + prefix + "* defaults]" : "FieldMapping" + s;
    }
}
