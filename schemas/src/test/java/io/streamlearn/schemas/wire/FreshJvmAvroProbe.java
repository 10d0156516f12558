package io.streamlearn.schemas.wire;

import io.streamlearn.schemas.Event;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Run in a fresh JVM by {@link FreshJvmTrustTest}: shows that Avro refuses the generated classes by
 * default, and that {@link WireCodec} decodes them without any system property.
 */
public final class FreshJvmAvroProbe {

    private FreshJvmAvroProbe() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("property=" + System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES"));
        Map<String, Double> features = new HashMap<>();
        features.put("x", 2.5);
        ByteBuffer buffer = Event.getEncoder().encode(new Event("probe-1", "k", 3L, features, null));
        byte[] value = new byte[buffer.remaining()];
        buffer.get(value);
        try {
            Event.getDecoder().decode(value);
            System.out.println("plain-avro=decoded");
        } catch (SecurityException e) {
            System.out.println("plain-avro=refused");
        }
        Event e = WireCodec.decodeEvent(value);
        System.out.println("wirecodec=" + e.getId() + "," + e.getFeatures().get("x"));
        System.out.println("plain-avro-after=" + Event.getDecoder().decode(value).getId());
    }
}
