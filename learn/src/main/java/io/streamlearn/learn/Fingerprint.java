package io.streamlearn.learn;

import java.nio.charset.StandardCharsets;

/** 64-bit FNV-1a fingerprints of model specs, stored with state bytes. */
public final class Fingerprint {
    private Fingerprint() {
    }

    public static long of(String spec, int dimension) {
        long h = 0xcbf29ce484222325L;
        for (byte b : spec.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        h ^= dimension;
        h *= 0x100000001b3L;
        return h;
    }
}
