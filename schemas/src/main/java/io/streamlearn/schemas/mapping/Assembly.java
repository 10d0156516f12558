package io.streamlearn.schemas.mapping;

import io.streamlearn.schemas.wire.EventTimes;

import java.util.HashMap;

import static io.streamlearn.schemas.mapping.MappingException.BAD_FEATURE;
import static io.streamlearn.schemas.mapping.MappingException.BAD_LABEL;
import static io.streamlearn.schemas.mapping.MappingException.UNMAPPED_ID;
import static io.streamlearn.schemas.mapping.MappingException.UNMAPPED_KEY;
import static io.streamlearn.schemas.mapping.MappingException.UNMAPPED_TIMESTAMP;

/**
 * The values one record gives the roles of a {@link FieldMapping}, collected while a walker (JSON bytes,
 * Jackson tree, Avro generic record) visits the record's fields. One per record; not thread-safe.
 */
final class Assembly {

    private final String positive;
    String key;
    boolean hasTimestamp;
    long timestamp;
    Double label;
    String id;
    final HashMap<String, Double> features;

    Assembly(String positive, boolean withFeatures) {
        this.positive = positive;
        this.features = withFeatures ? new HashMap<>() : null;
    }

    /** A text value (or, for the key and id, the text of a number). */
    void text(PathNode n, String s) throws MappingException {
        switch (n.role) {
            case KEY:
                key = s;
                return;
            case ID:
                id = s;
                return;
            case TIMESTAMP:
                timestamp(n, parseTimestamp(n.path, s));
                return;
            case LABEL:
                if (positive == null) {
                    throw new MappingException(BAD_LABEL, n.path, "text \"" + abbreviate(s)
                            + "\" is not a label; set label.positive to the text that means 1");
                }
                label = s.equals(positive) ? 1.0 : 0.0;
                return;
            default:
                if (n.features) {
                    if (n.numericWords) {
                        switch (s) {
                            case "NaN": features.put(n.name, Double.NaN); return;
                            case "Infinity":
                            case "+Infinity": features.put(n.name, Double.POSITIVE_INFINITY); return;
                            case "-Infinity": features.put(n.name, Double.NEGATIVE_INFINITY); return;
                            default: break;
                        }
                    }
                    features.put(n.indicator(s), 1.0);
                }
        }
    }

    /** A number, for the label or a feature (the key, id and timestamp take {@link #text} and {@link #timestamp}). */
    void number(PathNode n, double d) throws MappingException {
        switch (n.role) {
            case LABEL:
                label = d;
                return;
            case KEY:
            case ID:
                text(n, numberText(d));
                return;
            case TIMESTAMP:
                if (d != Math.rint(d) || Math.abs(d) >= 0x1p63) {
                    throw new MappingException(UNMAPPED_TIMESTAMP, n.path, "" + d + " is not whole epoch milliseconds");
                }
                timestamp(n, (long) d);
                return;
            default:
                if (n.features) {
                    features.put(n.name, d);
                }
        }
    }

    void timestamp(PathNode n, long millis) throws MappingException {
        if (n.role != PathNode.Role.TIMESTAMP) {
            number(n, millis);
            return;
        }
        hasTimestamp = true;
        timestamp = millis;
    }

    void bool(PathNode n, boolean b) throws MappingException {
        switch (n.role) {
            case LABEL:
                label = b ? 1.0 : 0.0;
                return;
            case KEY:
                throw new MappingException(UNMAPPED_KEY, n.path, "a boolean is not a key");
            case ID:
                throw new MappingException(UNMAPPED_ID, n.path, "a boolean is not an id");
            case TIMESTAMP:
                throw new MappingException(UNMAPPED_TIMESTAMP, n.path, "a boolean is not a time");
            default:
                if (n.features) {
                    features.put(n.name, b ? 1.0 : 0.0);
                }
        }
    }

    /** An object or array where the walker will not descend. */
    void nonScalar(PathNode n, boolean array) throws MappingException {
        String what = array ? "an array" : "an object";
        switch (n.role) {
            case KEY: throw new MappingException(UNMAPPED_KEY, n.path, what + " is not a key");
            case ID: throw new MappingException(UNMAPPED_ID, n.path, what + " is not an id");
            case TIMESTAMP: throw new MappingException(UNMAPPED_TIMESTAMP, n.path, what + " is not a time");
            case LABEL: throw new MappingException(BAD_LABEL, n.path, what + " is not a label");
            default:
                if (array && n.listed) {
                    throw new MappingException(BAD_FEATURE, n.path, "an array is not a feature");
                }
        }
    }

    /** Whether the walker descends into an object at {@code n}. */
    static boolean descends(PathNode n) {
        return n.role == PathNode.Role.NONE || n.role == PathNode.Role.FEATURE
                ? n.features || n.hasChildren() : false;
    }

    static String numberText(double d) {
        return d == Math.rint(d) && Math.abs(d) < 0x1p63 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Epoch milliseconds from text, as {@link EventTimes#parse} reads every event time. */
    static long parseTimestamp(String path, String text) throws MappingException {
        try {
            return EventTimes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new MappingException(UNMAPPED_TIMESTAMP, path,
                    "\"" + abbreviate(text.trim()) + "\" is neither epoch milliseconds nor an ISO-8601 date-time");
        }
    }


    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
