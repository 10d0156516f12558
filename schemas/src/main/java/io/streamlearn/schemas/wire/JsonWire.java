package io.streamlearn.schemas.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.streamlearn.schemas.DeadLetter;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.Prediction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

import static io.streamlearn.schemas.wire.MalformedRecordException.BAD_TIMESTAMP;
import static io.streamlearn.schemas.wire.MalformedRecordException.MALFORMED_JSON;
import static io.streamlearn.schemas.wire.MalformedRecordException.MISSING_FIELD;
import static io.streamlearn.schemas.wire.MalformedRecordException.WRONG_TYPE;

/**
 * JSON objects with the Avro field names, read and written with Jackson's streaming API. The rules are
 * documented on {@link WireCodec}.
 */
final class JsonWire {

    /**
     * Bare {@code NaN}/{@code Infinity} tokens (as Python's {@code json.dumps} writes them) are accepted too.
     * Doubles are read and written with Jackson's fast (and still correctly rounded, shortest round-trip)
     * algorithms: JDK 17's {@code Double.parseDouble} made 17-digit numbers the main cost of decoding an event.
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private JsonWire() {
    }

    // ------------------------------------------------------------------ decode

    static Event decodeEvent(byte[] value) throws MalformedRecordException {
        try (JsonParser p = open(value)) {
            String id = null;
            String key = null;
            Long ts = null;
            Map<String, Double> features = null;
            Double label = null;
            Double lower80 = null;
            Double upper80 = null;
            Double lower95 = null;
            Double upper95 = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "id": id = string(p, name); break;
                    case "key": key = string(p, name); break;
                    case "ts": ts = timestamp(p); break;
                    case "features": features = features(p); break;
                    case "label": label = nullableDouble(p, name); break;
                    default: p.skipChildren();
                }
            }
            end(p);
            require(key, "key", "event");
            require(ts, "ts", "event");
            require(features, "features", "event");
            return new Event(id != null ? id : defaultId(key, ts), key, ts, features, label);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array does not do I/O
        }
    }

    static Label decodeLabel(byte[] value) throws MalformedRecordException {
        try (JsonParser p = open(value)) {
            String id = null;
            String key = null;
            Long ts = null;
            Double label = null;
            Double lower80 = null;
            Double upper80 = null;
            Double lower95 = null;
            Double upper95 = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "id": id = string(p, name); break;
                    case "key": key = string(p, name); break;
                    case "ts": ts = timestamp(p); break;
                    case "label": label = nullableDouble(p, name); break;
                    default: p.skipChildren();
                }
            }
            end(p);
            require(key, "key", "label");
            require(ts, "ts", "label");
            require(label, "label", "label");
            return new Label(id != null ? id : defaultId(key, ts), key, ts, label);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Prediction decodePrediction(byte[] value) throws MalformedRecordException {
        try (JsonParser p = open(value)) {
            String id = null;
            String key = null;
            Long ts = null;
            String model = null;
            Long version = null;
            Double prediction = null;
            Double stddev = null;
            Double label = null;
            Double lower80 = null;
            Double upper80 = null;
            Double lower95 = null;
            Double upper95 = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "id": id = string(p, name); break;
                    case "key": key = string(p, name); break;
                    case "ts": ts = timestamp(p); break;
                    case "model": model = string(p, name); break;
                    case "version": version = nullableLong(p, name); break;
                    case "prediction": prediction = nullableDouble(p, name); break;
                    case "stddev": stddev = nullableDouble(p, name); break;
                    case "label": label = nullableDouble(p, name); break;
                    case "lower80": lower80 = nullableDouble(p, name); break;
                    case "upper80": upper80 = nullableDouble(p, name); break;
                    case "lower95": lower95 = nullableDouble(p, name); break;
                    case "upper95": upper95 = nullableDouble(p, name); break;
                    default: p.skipChildren();
                }
            }
            end(p);
            require(id, "id", "prediction");
            require(key, "key", "prediction");
            require(ts, "ts", "prediction");
            require(model, "model", "prediction");
            require(version, "version", "prediction");
            require(prediction, "prediction", "prediction");
            return new Prediction(id, key, ts, model, version, prediction, stddev, label, lower80, upper80, lower95, upper95);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static DeadLetter decodeDeadLetter(byte[] value) throws MalformedRecordException {
        try (JsonParser p = open(value)) {
            String topic = null;
            Long partition = null;
            Long offset = null;
            String key = null;
            ByteBuffer bytes = null;
            String reason = null;
            String detail = null;
            Long time = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "topic": topic = string(p, name); break;
                    case "partition": partition = nullableLong(p, name); break;
                    case "offset": offset = nullableLong(p, name); break;
                    case "key": key = string(p, name); break;
                    case "value": bytes = base64(p, name); break;
                    case "reason": reason = string(p, name); break;
                    case "detail": detail = string(p, name); break;
                    case "time": time = timestamp(p); break;
                    default: p.skipChildren();
                }
            }
            end(p);
            require(topic, "topic", "dead letter");
            require(partition, "partition", "dead letter");
            require(offset, "offset", "dead letter");
            require(reason, "reason", "dead letter");
            require(time, "time", "dead letter");
            if (partition < Integer.MIN_VALUE || partition > Integer.MAX_VALUE) {
                throw new MalformedRecordException(WRONG_TYPE, "dead letter: partition " + partition + " is not an int");
            }
            return new DeadLetter(topic, partition.intValue(), offset, key, bytes, reason, detail, time);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The id of an event or label that has none in JSON: {@code <key>@<ts>}. */
    static String defaultId(String key, long ts) {
        return key + "@" + ts;
    }

    private static JsonParser open(byte[] value) throws IOException, MalformedRecordException {
        JsonParser p = FACTORY.createParser(value);
        JsonToken first = p.nextToken();
        if (first != JsonToken.START_OBJECT) {
            p.close();
            throw new MalformedRecordException(MALFORMED_JSON, "expected a JSON object, found " + first);
        }
        return p;
    }

    /** Called once the field loop has stopped: the object must be closed and nothing but blanks may follow. */
    private static void end(JsonParser p) throws IOException, MalformedRecordException {
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new MalformedRecordException(MALFORMED_JSON, "unexpected " + p.currentToken() + " in object");
        }
        JsonToken next = p.nextToken();
        if (next != null) {
            throw new MalformedRecordException(MALFORMED_JSON, "trailing content after the object: " + next);
        }
    }

    private static MalformedRecordException malformed(JsonProcessingException e) {
        return new MalformedRecordException(MALFORMED_JSON, e.getOriginalMessage());
    }

    private static void require(Object v, String field, String type) throws MalformedRecordException {
        if (v == null) {
            throw new MalformedRecordException(MISSING_FIELD, type + ": missing field '" + field + "'");
        }
    }

    private static MalformedRecordException wrongType(JsonParser p, String field, String expected) {
        return new MalformedRecordException(WRONG_TYPE,
                "field '" + field + "' should be " + expected + ", found " + p.currentToken());
    }

    /** A string, or null for JSON null. */
    private static String string(JsonParser p, String field) throws IOException, MalformedRecordException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        throw wrongType(p, field, "a string");
    }

    /** A whole number in the long range, or null for JSON null. */
    private static Long nullableLong(JsonParser p, String field) throws IOException, MalformedRecordException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return p.getLongValue();
        }
        throw wrongType(p, field, "a whole number");
    }

    /** A number (or "NaN", "Infinity", "-Infinity"), or null for JSON null. */
    private static Double nullableDouble(JsonParser p, String field) throws IOException, MalformedRecordException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        return number(p, field);
    }

    /**
     * The current token as a double, bit-exact: JSON numbers are parsed by Jackson with correct rounding
     * (an integer {@code -0} keeps its sign); the strings {@code "NaN"}, {@code "Infinity"}, {@code "+Infinity"}
     * and {@code "-Infinity"} (and the bare tokens) give the non-finite doubles.
     */
    private static double number(JsonParser p, String field) throws IOException, MalformedRecordException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getDoubleValue();
        }
        if (t == JsonToken.VALUE_NUMBER_INT) {
            double d = p.getDoubleValue();
            if (d == 0.0 && p.getTextCharacters()[p.getTextOffset()] == '-') {
                return -0.0;
            }
            return d;
        }
        if (t == JsonToken.VALUE_STRING) {
            switch (p.getText()) {
                case "NaN": return Double.NaN;
                case "Infinity":
                case "+Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw wrongType(p, field, "a number");
    }

    private static Map<String, Double> features(JsonParser p) throws IOException, MalformedRecordException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw wrongType(p, "features", "an object of name -> number");
        }
        Map<String, Double> features = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (p.nextToken() == JsonToken.VALUE_NULL) {
                continue; // a null feature is a missing feature
            }
            features.put(name, number(p, name));
        }
        return features;
    }

    /**
     * {@code ts}: epoch milliseconds as a JSON number (a float must be whole), a string of digits, or an
     * ISO-8601 date-time with an offset ({@code 2013-02-28T16:00:00Z}, {@code 2013-02-28T17:00:00.250+01:00});
     * sub-millisecond fractions are truncated towards the past. Null for JSON null.
     */
    private static Long timestamp(JsonParser p) throws IOException, MalformedRecordException {
        JsonToken t = p.currentToken();
        String field = p.currentName();
        switch (t) {
            case VALUE_NULL:
                return null;
            case VALUE_NUMBER_INT:
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw new MalformedRecordException(BAD_TIMESTAMP, "'" + field + "' out of range: " + p.getText());
                }
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                if (d != Math.rint(d) || Math.abs(d) >= 0x1p63) {
                    throw new MalformedRecordException(BAD_TIMESTAMP,
                            "'" + field + "' is not whole epoch milliseconds: " + p.getText());
                }
                return (long) d;
            }
            case VALUE_STRING:
                return parseTimestamp(p.getText(), field);
            default:
                throw wrongType(p, field, "epoch milliseconds or an ISO-8601 string");
        }
    }

    /** A string time, as {@link EventTimes#parse} reads every event time. */
    static long parseTimestamp(String text, String field) throws MalformedRecordException {
        try {
            return EventTimes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException(BAD_TIMESTAMP, "'" + field + "' is " + e.getMessage() + ": \""
                    + abbreviate(text.trim()) + "\"");
        }
    }


    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    private static ByteBuffer base64(JsonParser p, String field) throws IOException, MalformedRecordException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw wrongType(p, field, "a base64 string");
        }
        try {
            return ByteBuffer.wrap(p.getBinaryValue());
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException(WRONG_TYPE, "field '" + field + "' is not base64: " + e.getOriginalMessage());
        }
    }

    // ------------------------------------------------------------------ encode

    static byte[] encode(Event e) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(128); JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", required(e.getId(), "id", "event"));
            g.writeStringField("key", required(e.getKey(), "key", "event"));
            g.writeNumberField("ts", e.getTs());
            g.writeObjectFieldStart("features");
            for (Map.Entry<String, Double> f : required(e.getFeatures(), "features", "event").entrySet()) {
                if (f.getValue() == null) {
                    g.writeNullField(f.getKey());
                } else {
                    g.writeNumberField(f.getKey(), f.getValue());
                }
            }
            g.writeEndObject();
            nullableNumber(g, "label", e.getLabel());
            g.writeEndObject();
            g.flush();
            return out.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] encode(Label l) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(96); JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", required(l.getId(), "id", "label"));
            g.writeStringField("key", required(l.getKey(), "key", "label"));
            g.writeNumberField("ts", l.getTs());
            g.writeNumberField("label", l.getLabel());
            g.writeEndObject();
            g.flush();
            return out.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] encode(Prediction pr) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(160); JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", required(pr.getId(), "id", "prediction"));
            g.writeStringField("key", required(pr.getKey(), "key", "prediction"));
            g.writeNumberField("ts", pr.getTs());
            g.writeStringField("model", required(pr.getModel(), "model", "prediction"));
            g.writeNumberField("version", pr.getVersion());
            g.writeNumberField("prediction", pr.getPrediction());
            nullableNumber(g, "stddev", pr.getStddev());
            nullableNumber(g, "label", pr.getLabel());
            if (pr.getLower80() != null) {
                nullableNumber(g, "lower80", pr.getLower80());
                nullableNumber(g, "upper80", pr.getUpper80());
                nullableNumber(g, "lower95", pr.getLower95());
                nullableNumber(g, "upper95", pr.getUpper95());
            }
            g.writeEndObject();
            g.flush();
            return out.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] encode(DeadLetter d) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256); JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("topic", required(d.getTopic(), "topic", "dead letter"));
            g.writeNumberField("partition", d.getPartition());
            g.writeNumberField("offset", d.getOffset());
            g.writeStringField("key", d.getKey());
            ByteBuffer v = d.getValue();
            if (v == null) {
                g.writeNullField("value");
            } else {
                ByteBuffer b = v.duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                g.writeFieldName("value");
                g.writeBinary(bytes);
            }
            g.writeStringField("reason", required(d.getReason(), "reason", "dead letter"));
            g.writeStringField("detail", d.getDetail());
            g.writeNumberField("time", d.getTime());
            g.writeEndObject();
            g.flush();
            return out.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void nullableNumber(JsonGenerator g, String field, Double v) throws IOException {
        if (v == null) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, v);
        }
    }

    private static <T> T required(T v, String field, String type) {
        if (v == null) {
            throw new IllegalArgumentException("cannot encode " + type + ": field '" + field + "' is null");
        }
        return v;
    }
}
