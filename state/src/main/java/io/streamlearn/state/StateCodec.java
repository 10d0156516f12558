package io.streamlearn.state;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Storage;

/**
 * The versioned binary layout of a {@link ModelState}. Every format version that was ever released
 * stays readable; an unknown version is refused with {@link StateFormatException}. New states are
 * written in {@link #CURRENT_VERSION} (4) when the learner's {@link Learner#storage() storage} keeps
 * some values in fewer than 8 bytes and the state fits it, else in version 3; versions 1 to 3 are read
 * (fixtures in {@code state/src/test/resources/fixtures/v1} to {@code v4}) and rewritten on the key's
 * next update.
 *
 * <pre>
 * version 4 (current, issue #17): the header of version 3, then each value as its kind in the
 * learner's {@link Learner#storage(int) storage} of the stored layout says:
 *   offset  size  field
 *   0       1     format version = 4
 *   1       8     learner fingerprint
 *   9       1-10  updates, unsigned varint (as in version 2)
 *   .       1-10  last event time, as in version 2
 *   .       1-5   the learner's state layout version, unsigned varint
 *   .       1-5   n, number of values, unsigned varint
 *   h       ...   n values, in order:
 *                 {@link Storage#DOUBLE}: 8 bytes, IEEE 754 double bits, big-endian
 *                 {@link Storage#FLOAT}:  4 bytes, IEEE 754 float32 bits, big-endian (the learner keeps
 *                                         the value equal to that float32; a state where one is not is
 *                                         written in version 3 instead)
 *                 {@link Storage#COUNT}:  an integer v with |v| &lt; 2^62 as the unsigned varint of
 *                                         zigzag(v) + 1; anything else as the byte 0 then 8 bytes of
 *                                         double bits
 *   (the default kalman at d = 8: 21 bytes of header, 1 + 4 x 56 x 4 bytes for the bank, 1 + 16 x 4
 *    for its feature scales: under 1,000 bytes, against 1,957 in version 3)
 *
 * version 3 (written for learners that keep doubles only; multi-byte fixed fields big-endian):
 *   offset  size  field
 *   0       1     format version = 3
 *   1       8     learner fingerprint ({@link Learner#fingerprint()}: spec and dimension)
 *   9       1-10  updates, unsigned varint (as in version 2)
 *   .       1-10  last event time, as in version 2
 *   .       1-5   the learner's state layout version ({@link Learner#layout()}), unsigned varint
 *   .       1-5   n, number of doubles, unsigned varint
 *   h       8n    the learner's values, IEEE 754 bit patterns, big-endian
 *   (21 bytes of header for a state with under 16,384 updates, a 2020s time, a layout under 128 and
 *    under 128 values)
 *
 * version 2 (read only; the layout is not stored):
 *   offset  size  field
 *   0       1     format version = 2
 *   1       8     learner fingerprint ({@link Learner#fingerprint()}: spec and dimension)
 *   9       1-10  updates (the model version), unsigned LEB128 varint
 *                 (7 bits per byte, least significant group first, high bit = more bytes follow)
 *   .       1-10  last event time t, epoch ms, as the unsigned varint of zigzag(t) + 1 (mod 2^64),
 *                 zigzag(t) = (t &lt;&lt; 1) ^ (t &gt;&gt; 63); so "none" (Long.MIN_VALUE) is the single byte 0
 *                 and a 2020s time takes 6 bytes
 *   .       1-5   n, number of doubles, unsigned varint
 *   h       8n    the learner's values, IEEE 754 bit patterns, big-endian
 *   (h = 9 + the three varints' lengths: 20 bytes for a state with under 16,384 updates, a 2020s
 *    time and under 128 values; 21 with 128 to 16,383 values)
 *
 * version 1 (read only):
 *   offset  size  field
 *   0       1     format version = 1
 *   1       8     learner fingerprint
 *   9       8     updates
 *   17      8     last event time, epoch ms (Long.MIN_VALUE = none)
 *   25      4     n, number of doubles
 *   29      8n    the learner's values, IEEE 754 bit patterns
 * </pre>
 *
 * <p>A state stored under the fingerprint of the learner's {@link Learner#predecessor() predecessor}
 * (the model the same SPEC built before a default changed) is decoded with that predecessor and
 * {@link Learner#adopt adopted}, so an upgrade that changes a default keeps every key's model; any
 * other fingerprint is refused.
 *
 * <p>The values are the learner's own layout, whose version is stored with them. A state of an
 * earlier layout is converted by {@link Learner#migrate} ({@link #decodeInto} allocates on that path
 * only), so states stored before a layout change keep their model. Versions 1 and 2 did not store
 * the layout: the learner recognises it by the number of values ({@link Learner#unversionedLayout}).
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
    public static final byte VERSION_2 = 2;
    public static final byte VERSION_3 = 3;
    public static final byte VERSION_4 = 4;
    public static final byte CURRENT_VERSION = VERSION_4;
    static final int HEADER_V1 = 29;
    /** Version byte and fingerprint: the fixed part of a version-2 and version-3 header. */
    static final int FIXED_V2 = 9;

    private StateCodec() {
    }

    /**
     * Size in bytes of the encoding of {@code state} in layout {@code layout}, whose storage is
     * {@code storage} ({@link Learner#storage(int)}): version 4 if the storage is compact and the
     * state fits it, else version 3.
     */
    public static int encodedSize(Storage storage, int layout, ModelState state) {
        double[] v = state.values();
        int n = v.length;
        int header = FIXED_V2 + varintSize(state.updates()) + varintSize(time(state.lastEventTime())) + varintSize(layout)
                + varintSize(n);
        if (!compact(storage, v)) {
            return header + 8 * n;
        }
        int size = header;
        for (int r = 0; r < storage.runs(); r++) {
            int from = storage.runStart(r);
            int to = storage.runEnd(r);
            byte kind = storage.runKind(r);
            if (kind == Storage.FLOAT) {
                size += 4 * (to - from);
            } else if (kind == Storage.DOUBLE) {
                size += 8 * (to - from);
            } else {
                for (int i = from; i < to; i++) {
                    size += countSize(v[i]);
                }
            }
        }
        return size;
    }

    /** Whether {@code v} is written compactly (version 4) with {@code storage}. */
    private static boolean compact(Storage storage, double[] v) {
        if (storage.length() != v.length) {
            throw new IllegalArgumentException("storage describes " + storage.length() + " values, the state has " + v.length);
        }
        return storage.compact() && storage.fits(v, 0);
    }

    /**
     * Encodes {@code state} into a new array of exactly its size: the scoring step's per-event path
     * (one pass over the values to size them, one to write them).
     *
     * @param fingerprint the learner's {@link Learner#fingerprint()}
     * @param layout      the learner's {@link Learner#layout()}
     * @param storage     the learner's {@link Learner#storage(int) storage} of that layout
     */
    public static byte[] encode(long fingerprint, int layout, Storage storage, ModelState state) {
        byte[] out = new byte[encodedSize(storage, layout, state)];
        encode(fingerprint, layout, storage, state, out);
        return out;
    }

    /** Encodes {@code state}, which {@code learner} owns, into a new array. */
    public static byte[] encode(Learner learner, ModelState state) {
        int layout = learner.layout();
        Storage storage = learner.storage(layout);
        byte[] out = new byte[encodedSize(storage, layout, state)];
        encode(learner.fingerprint(), layout, storage, state, out);
        return out;
    }

    /**
     * Encodes into {@code out}, which must hold at least {@link #encodedSize(Storage, int, ModelState)}
     * bytes. Allocates nothing.
     *
     * @param fingerprint the learner's {@link Learner#fingerprint()}
     * @param layout      the learner's {@link Learner#layout()}
     * @param storage     the learner's {@link Learner#storage(int) storage} of that layout
     * @return the number of bytes written
     */
    public static int encode(long fingerprint, int layout, Storage storage, ModelState state, byte[] out) {
        if (layout < 0) {
            throw new IllegalArgumentException("layout version must be >= 0, got " + layout);
        }
        double[] v = state.values();
        boolean compact = compact(storage, v);
        out[0] = compact ? VERSION_4 : VERSION_3;
        putLong(out, 1, fingerprint);
        int at = putVarint(out, FIXED_V2, state.updates());
        at = putVarint(out, at, time(state.lastEventTime()));
        at = putVarint(out, at, layout);
        at = putVarint(out, at, v.length);
        if (!compact) {
            for (double d : v) {
                putLong(out, at, Double.doubleToRawLongBits(d));
                at += 8;
            }
            return at;
        }
        for (int r = 0; r < storage.runs(); r++) {
            int from = storage.runStart(r);
            int to = storage.runEnd(r);
            byte kind = storage.runKind(r);
            if (kind == Storage.FLOAT) {
                for (int i = from; i < to; i++) {
                    putInt(out, at, Float.floatToRawIntBits((float) v[i]));
                    at += 4;
                }
            } else if (kind == Storage.DOUBLE) {
                for (int i = from; i < to; i++) {
                    putLong(out, at, Double.doubleToRawLongBits(v[i]));
                    at += 8;
                }
            } else {
                for (int i = from; i < to; i++) {
                    at = putCount(out, at, v[i]);
                }
            }
        }
        return at;
    }

    /** Whether {@code x} is an integer a count varint holds: |x| &lt; 2^62, and not -0.0. */
    private static boolean integral(double x) {
        long l = (long) x;
        return Math.abs(l) < (1L << 62) && Double.doubleToRawLongBits((double) l) == Double.doubleToRawLongBits(x);
    }

    private static int countSize(double x) {
        return integral(x) ? varintSize(zigzag((long) x) + 1) : 9;
    }

    private static int putCount(byte[] out, int at, double x) {
        if (integral(x)) {
            return putVarint(out, at, zigzag((long) x) + 1);
        }
        out[at] = 0;
        putLong(out, at + 1, Double.doubleToRawLongBits(x));
        return at + 9;
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    /**
     * Reads {@code bytes} into {@code into}, a state of {@code learner}'s size, in place.
     *
     * @throws StateFormatException if the version is unknown, the bytes are truncated, or they were
     *                              written by a different learner (fingerprint mismatch, or a size that
     *                              is neither the learner's nor one of its earlier layouts)
     */
    public static void decodeInto(Learner learner, byte[] bytes, ModelState into) {
        decodeInto(learner, learner.fingerprint(), learner.storage(), bytes, into);
    }

    /**
     * As {@link #decodeInto(Learner, byte[], ModelState)}, with the learner's fingerprint computed once
     * by the caller (hashing the spec on every event is measurable on the hot path). Allocates nothing
     * for a state in the learner's current layout.
     *
     * @param expectedFingerprint {@code learner.fingerprint()}
     * @param storage             {@code learner.storage()}, the current layout's
     */
    public static void decodeInto(Learner learner, long expectedFingerprint, Storage storage, byte[] bytes,
                                  ModelState into) {
        int version = version(bytes);
        long fingerprint;
        long updates;
        long lastTime;
        long n;
        long layout = -1;
        int valuesAt;
        if (version == VERSION_1) {
            requireLength(bytes, HEADER_V1);
            fingerprint = getLong(bytes, 1);
            updates = getLong(bytes, 9);
            lastTime = getLong(bytes, 17);
            n = getInt(bytes, 25);
            valuesAt = HEADER_V1;
        } else {
            requireLength(bytes, FIXED_V2 + (version == VERSION_2 ? 3 : 4));
            fingerprint = getLong(bytes, 1);
            int timeAt = varintEnd(bytes, FIXED_V2);
            int nAt = varintEnd(bytes, timeAt);
            if (version >= VERSION_3) {
                int layoutAt = nAt;
                nAt = varintEnd(bytes, layoutAt);
                layout = varint(bytes, layoutAt);
            }
            valuesAt = varintEnd(bytes, nAt);
            updates = varint(bytes, FIXED_V2);
            lastTime = untime(varint(bytes, timeAt));
            n = varint(bytes, nAt);
        }
        if (fingerprint != expectedFingerprint) {
            adopt(learner, fingerprint, expectedFingerprint, bytes, into);
            return;
        }
        if (n < 0 || n > Integer.MAX_VALUE || (version != VERSION_4 && bytes.length != valuesAt + 8L * n)) {
            throw new StateFormatException("truncated or padded state: " + n + " values in " + bytes.length
                    + " bytes (header " + valuesAt + " bytes), learner '" + learner.spec() + "'");
        }
        if (version < VERSION_3) {
            layout = learner.unversionedLayout((int) n);
        }
        double[] v = into.values();
        int current = learner.layout();
        Storage stored = null;
        if (version == VERSION_4) {
            stored = layout == current ? storage
                    : layout >= 0 && layout <= Integer.MAX_VALUE ? learner.storage((int) layout) : null;
            if (stored == null || stored.length() != n) {
                throw new StateFormatException("state layout mismatch: " + n + " compact values of layout " + layout
                        + ", learner '" + learner.spec() + "' (layout " + current + ") knows no such storage");
            }
        }
        if (layout == current) {
            if (n != v.length) {
                throw new StateFormatException("state size mismatch: " + n + " values of layout " + layout
                        + ", learner '" + learner.spec() + "' expects " + v.length);
            }
            readValues(bytes, valuesAt, stored, v, v.length, learner);
        } else {
            migrate(learner, layout, bytes, valuesAt, stored, (int) n, v);
        }
        into.setCounters(updates, lastTime);
    }

    /**
     * A state stored under another fingerprint: if it is that of one of {@code learner}'s
     * {@link Learner#predecessor() predecessors} (the model the same SPEC built before a default
     * changed), decodes it with that predecessor (any of its layouts) and lets the learner adopt it;
     * otherwise refuses it as another model's. Allocates (once per key, on the first read after an
     * upgrade).
     */
    private static void adopt(Learner learner, long fingerprint, long expectedFingerprint, byte[] bytes, ModelState into) {
        Learner former = learner.predecessor();
        boolean known = false;
        for (Learner f = former; f != null && !known; f = f.predecessor()) {
            known = f.fingerprint() == fingerprint;
        }
        if (!known) {
            throw new StateFormatException("state was written by another model (fingerprint "
                    + Long.toHexString(fingerprint) + ", expected " + Long.toHexString(expectedFingerprint)
                    + " for '" + learner.spec() + "')");
        }
        ModelState old = former.newState();
        decodeInto(former, bytes, old);
        double[] adopted = learner.newState().values();
        if (adopted.length != into.values().length) {
            throw new IllegalArgumentException("state of " + into.values().length + " values for learner '"
                    + learner.spec() + "' of " + adopted.length);
        }
        if (!learner.adopt(former, old.values(), 0, adopted, 0)) {
            throw new StateFormatException("state written by '" + former.spec() + "', which '" + learner.spec()
                    + "' succeeds but cannot take over");
        }
        System.arraycopy(adopted, 0, into.values(), 0, adopted.length);
        into.setCounters(old.updates(), old.lastEventTime());
    }

    /** Reads a stored earlier layout of {@code learner} into {@code v}, in its current layout. Allocates. */
    private static void migrate(Learner learner, long layout, byte[] bytes, int valuesAt, Storage storage, int n,
                                double[] v) {
        double[] stored = new double[n];
        readValues(bytes, valuesAt, storage, stored, n, learner);
        double[] migrated = learner.newState().values();
        if (layout < 0 || layout > Integer.MAX_VALUE || migrated.length != v.length
                || !learner.migrate((int) layout, stored, 0, n, migrated, 0)) {
            throw new StateFormatException("state layout mismatch: " + n + " values of layout "
                    + (layout < 0 ? "unknown" : Long.toString(layout)) + ", learner '" + learner.spec()
                    + "' (layout " + learner.layout() + ", " + v.length + " values) knows no such earlier layout");
        }
        System.arraycopy(migrated, 0, v, 0, v.length);
    }

    /** Reads the fingerprint without decoding, or throws if the header is unreadable. */
    public static long fingerprint(byte[] bytes) {
        version(bytes);
        requireLength(bytes, bytes[0] == VERSION_1 ? HEADER_V1 : FIXED_V2 + (bytes[0] == VERSION_2 ? 3 : 4));
        return getLong(bytes, 1);
    }

    /** Reads the update count (model version) from the header. */
    public static long updates(byte[] bytes) {
        if (version(bytes) == VERSION_1) {
            requireLength(bytes, HEADER_V1);
            return getLong(bytes, 9);
        }
        requireLength(bytes, FIXED_V2 + 3);
        varintEnd(bytes, FIXED_V2);
        return varint(bytes, FIXED_V2);
    }

    /** Reads the format version, or throws if it is not one this build reads. */
    public static int version(byte[] bytes) {
        if (bytes == null || bytes.length < 1) {
            throw new StateFormatException("empty state bytes");
        }
        byte version = bytes[0];
        if (version != VERSION_1 && version != VERSION_2 && version != VERSION_3 && version != VERSION_4) {
            throw new StateFormatException("unknown state format version " + version
                    + " (this build reads versions 1.." + CURRENT_VERSION + ")");
        }
        return version;
    }

    private static void requireLength(byte[] bytes, int header) {
        if (bytes.length < header) {
            throw new StateFormatException("truncated state: " + bytes.length + " bytes, a version-" + bytes[0]
                    + " header needs at least " + header);
        }
    }

    /**
     * Reads n values from {@code at} to the end of {@code bytes}: doubles (versions 1 to 3, storage
     * null) or as {@code storage} says (version 4), checking that they end exactly with the bytes.
     */
    private static void readValues(byte[] bytes, int at, Storage storage, double[] into, int n, Learner learner) {
        if (storage == null) {
            for (int i = 0; i < n; i++) {
                into[i] = Double.longBitsToDouble(getLong(bytes, at + 8 * i));
            }
            return;
        }
        // first pass: the values must end exactly with the bytes, so a refused state leaves into untouched
        int end = at;
        for (int r = 0; r < storage.runs() && end <= bytes.length; r++) {
            int count = storage.runEnd(r) - storage.runStart(r);
            byte kind = storage.runKind(r);
            if (kind == Storage.FLOAT) {
                end += 4 * count;
            } else if (kind == Storage.DOUBLE) {
                end += 8 * count;
            } else {
                for (int i = 0; i < count && end <= bytes.length; i++) {
                    end = end < bytes.length && bytes[end] == 0 ? end + 9 : end < bytes.length ? varintEnd(bytes, end) : end + 1;
                }
            }
        }
        if (storage.length() != n || end != bytes.length) {
            throw new StateFormatException("truncated or padded state: " + n + " compact values in " + bytes.length
                    + " bytes, learner '" + learner.spec() + "'");
        }
        for (int r = 0; r < storage.runs(); r++) {
            int from = storage.runStart(r);
            int to = storage.runEnd(r);
            byte kind = storage.runKind(r);
            if (kind == Storage.FLOAT) {
                for (int i = from; i < to; i++) {
                    into[i] = Float.intBitsToFloat(getInt(bytes, at));
                    at += 4;
                }
            } else if (kind == Storage.DOUBLE) {
                for (int i = from; i < to; i++) {
                    into[i] = Double.longBitsToDouble(getLong(bytes, at));
                    at += 8;
                }
            } else {
                for (int i = from; i < to; i++) {
                    if (bytes[at] == 0) {
                        into[i] = Double.longBitsToDouble(getLong(bytes, at + 1));
                        at += 9;
                    } else {
                        int next = varintEnd(bytes, at);
                        long z = varint(bytes, at) - 1;
                        into[i] = (double) ((z >>> 1) ^ -(z & 1));
                        at = next;
                    }
                }
            }
        }
    }

    /** The unsigned varint encoding of a time: zigzag(t) + 1, so {@link ModelState#NO_TIME} is 0. */
    static long time(long t) {
        return ((t << 1) ^ (t >> 63)) + 1;
    }

    /** Inverse of {@link #time(long)}. */
    static long untime(long z) {
        long zz = z - 1;
        return (zz >>> 1) ^ -(zz & 1);
    }

    /** Bytes of the unsigned LEB128 varint of {@code v} (1 to 10). */
    static int varintSize(long v) {
        int size = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            size++;
        }
        return size;
    }

    private static int putVarint(byte[] out, int at, long v) {
        while ((v & ~0x7FL) != 0) {
            out[at++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[at++] = (byte) v;
        return at;
    }

    /**
     * Offset just after the varint starting at {@code at}, checking that it ends inside {@code bytes}
     * and fits 64 bits.
     */
    static int varintEnd(byte[] bytes, int at) {
        for (int i = 0; i < 10; i++) {
            if (at + i >= bytes.length) {
                throw new StateFormatException("truncated state: a header varint runs past " + bytes.length + " bytes");
            }
            byte b = bytes[at + i];
            if (b >= 0) {
                if (i == 9 && b > 1) {
                    break;
                }
                return at + i + 1;
            }
        }
        throw new StateFormatException("malformed state header: a varint longer than 64 bits at offset " + at);
    }

    /** The value of the varint at {@code at}, already checked by {@link #varintEnd}. */
    static long varint(byte[] bytes, int at) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = bytes[at++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
    }

    private static void putLong(byte[] out, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            out[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static void putInt(byte[] out, int at, int v) {
        out[at] = (byte) (v >>> 24);
        out[at + 1] = (byte) (v >>> 16);
        out[at + 2] = (byte) (v >>> 8);
        out[at + 3] = (byte) v;
    }

    private static int getInt(byte[] in, int at) {
        return (in[at] & 0xFF) << 24 | (in[at + 1] & 0xFF) << 16 | (in[at + 2] & 0xFF) << 8 | (in[at + 3] & 0xFF);
    }

    private static long getLong(byte[] in, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (in[at + i] & 0xFFL);
        }
        return v;
    }
}
