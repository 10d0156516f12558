package io.streamlearn.state;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;

import java.nio.ByteBuffer;

/**
 * The versioned binary layout of a {@link ModelState}. Every format version that was ever released
 * stays readable; an unknown version is refused with {@link StateFormatException}.
 *
 * <pre>
 * version 1 (big-endian):
 *   offset  size  field
 *   0       1     format version = 1
 *   1       8     learner fingerprint ({@link Learner#fingerprint()}: spec and dimension)
 *   9       8     updates (the model version)
 *   17      8     last event time, epoch ms (Long.MIN_VALUE = none)
 *   25      4     n, number of doubles
 *   29      8n    the learner's values, IEEE 754 bit patterns
 * </pre>
 *
 * Thread-safe (stateless).
 *
 * <pre>{@code
 * byte[] bytes = StateCodec.encode(learner, state);
 * ModelState back = learner.newState();
 * StateCodec.decodeInto(learner, bytes, back);   // bit-exact
 * }</pre>
 */
public final class StateCodec {

    public static final byte VERSION_1 = 1;
    public static final byte CURRENT_VERSION = VERSION_1;
    static final int HEADER_V1 = 29;

    private StateCodec() {
    }

    /** Size in bytes of the encoding of {@code state}. */
    public static int encodedSize(ModelState state) {
        return HEADER_V1 + 8 * state.values().length;
    }

    /** Encodes {@code state}, which {@code learner} owns, into a new array. */
    public static byte[] encode(Learner learner, ModelState state) {
        byte[] out = new byte[encodedSize(state)];
        encode(learner.fingerprint(), state, out);
        return out;
    }

    /** Encodes into {@code out}, which must hold at least {@link #encodedSize(ModelState)} bytes. */
    public static void encode(long fingerprint, ModelState state, byte[] out) {
        double[] v = state.values();
        ByteBuffer b = ByteBuffer.wrap(out);
        b.put(CURRENT_VERSION).putLong(fingerprint).putLong(state.updates()).putLong(state.lastEventTime()).putInt(v.length);
        for (double d : v) {
            b.putLong(Double.doubleToRawLongBits(d));
        }
    }

    /**
     * Reads {@code bytes} into {@code into}, a state of {@code learner}'s size, in place.
     *
     * @throws StateFormatException if the version is unknown, the bytes are truncated, or they were
     *                              written by a different learner (fingerprint or size mismatch)
     */
    public static void decodeInto(Learner learner, byte[] bytes, ModelState into) {
        decodeInto(learner, learner.fingerprint(), bytes, into);
    }

    /**
     * As {@link #decodeInto(Learner, byte[], ModelState)}, with the learner's fingerprint computed once
     * by the caller (hashing the spec on every event is measurable on the hot path).
     *
     * @param expectedFingerprint {@code learner.fingerprint()}
     */
    public static void decodeInto(Learner learner, long expectedFingerprint, byte[] bytes, ModelState into) {
        if (bytes == null || bytes.length < 1) {
            throw new StateFormatException("empty state bytes");
        }
        byte version = bytes[0];
        if (version != VERSION_1) {
            throw new StateFormatException("unknown state format version " + version
                    + " (this build reads versions 1.." + CURRENT_VERSION + ")");
        }
        if (bytes.length < HEADER_V1) {
            throw new StateFormatException("truncated state: " + bytes.length + " bytes, header needs " + HEADER_V1);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.position(1);
        long fingerprint = b.getLong();
        long updates = b.getLong();
        long lastTime = b.getLong();
        int n = b.getInt();
        if (fingerprint != expectedFingerprint) {
            throw new StateFormatException("state was written by another model (fingerprint "
                    + Long.toHexString(fingerprint) + ", expected " + Long.toHexString(expectedFingerprint)
                    + " for '" + learner.spec() + "')");
        }
        double[] v = into.values();
        if (n != v.length || bytes.length != HEADER_V1 + 8L * n) {
            throw new StateFormatException("state size mismatch: " + n + " values in " + bytes.length
                    + " bytes, learner '" + learner.spec() + "' expects " + v.length);
        }
        for (int i = 0; i < n; i++) {
            v[i] = Double.longBitsToDouble(b.getLong());
        }
        into.setCounters(updates, lastTime);
    }

    /** Reads the fingerprint without decoding, or throws if the header is unreadable. */
    public static long fingerprint(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_V1 || bytes[0] != VERSION_1) {
            throw new StateFormatException("not a version-1 state");
        }
        return ByteBuffer.wrap(bytes, 1, 8).getLong();
    }

    /** Reads the update count (model version) from the header. */
    public static long updates(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_V1 || bytes[0] != VERSION_1) {
            throw new StateFormatException("not a version-1 state");
        }
        return ByteBuffer.wrap(bytes, 9, 8).getLong();
    }
}
