package io.streamlearn.streams.demo;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Malformed or invalid {@code events} records of four kinds, for the demo and the tests: each must
 * become a dead letter while the valid events around it are still scored.
 *
 * <pre>{@code
 * BadRecords.Bad bad = BadRecords.example(0, generator);   // kinds cycle with the index
 * producer.send(new ProducerRecord<>("events", bad.key(), bad.value()));
 * }</pre>
 */
public final class BadRecords {

    /** The kinds, in the order {@link #example} cycles through them. */
    public enum Kind {
        /** Text that starts like JSON but does not parse. */
        BAD_JSON,
        /** An Avro single-object record cut in half. */
        BAD_AVRO,
        /** A well-formed Avro event with a NaN feature. */
        NAN_FEATURE,
        /** A well-formed Avro event with an empty key, sent without a record key. */
        MISSING_KEY
    }

    /** A record to send: its key (may be null) and value. */
    public record Bad(Kind kind, String key, byte[] value) {
    }

    private BadRecords() {
    }

    /** The {@code i}-th bad record; the kind is {@code Kind.values()[i % 4]}; keys come from {@code gen}. */
    public static Bad example(int i, SyntheticEvents gen) {
        Kind kind = Kind.values()[i % Kind.values().length];
        String key = gen.keys().get(i % gen.keys().size());
        Map<String, Double> x = new LinkedHashMap<>();
        for (String f : gen.features()) {
            x.put(f, 1.0);
        }
        Event.Builder e = Event.newBuilder().setId("bad-" + i).setKey(key).setTs(SyntheticEvents.START_TIME).setLabel(1.0);
        switch (kind) {
            case BAD_JSON:
                return new Bad(kind, key, ("{\"id\":\"bad-" + i + "\",\"key\":\"" + key + "\",\"features\":{\"x1\":")
                        .getBytes(StandardCharsets.UTF_8));
            case BAD_AVRO: {
                byte[] full = WireCodec.encode(e.setFeatures(x).build(), WireFormat.AVRO);
                return new Bad(kind, key, Arrays.copyOf(full, full.length / 2));
            }
            case NAN_FEATURE:
                x.put(gen.features().get(0), Double.NaN);
                return new Bad(kind, key, WireCodec.encode(e.setFeatures(x).build(), WireFormat.AVRO));
            case MISSING_KEY:
                return new Bad(kind, null, WireCodec.encode(e.setKey("").setFeatures(x).build(), WireFormat.AVRO));
            default:
                throw new AssertionError(kind);
        }
    }
}
