package io.streamlearn.state;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateCodecTest {

    private final Learner learner = Learners.create("sgd:lr=0.1", 3);

    private ModelState learned() {
        ModelState s = learner.newState();
        learner.learn(s, new double[] {1, 2, 3}, 5_000L, 4.0);
        learner.learn(s, new double[] {-1, 0.5, 2}, 7_000L, -1.0);
        return s;
    }

    /** The version-1 bytes of {@code s}, written from the layout in StateCodec's Javadoc. */
    private static byte[] version1(long fingerprint, ModelState s, int n) {
        ByteBuffer b = ByteBuffer.allocate(29 + 8 * n);
        b.put((byte) 1).putLong(fingerprint).putLong(s.updates()).putLong(s.lastEventTime()).putInt(n);
        for (int i = 0; i < n; i++) {
            b.putLong(Double.doubleToRawLongBits(i < s.values().length ? s.values()[i] : 0.0));
        }
        return b.array();
    }

    /**
     * The version-2 bytes of {@code s} (no layout version) as the StateCodec Javadoc documents them: the
     * version-3 bytes with version 2 and without the layout varint.
     */
    private static byte[] version2(Learner learner, ModelState s) {
        byte[] v3 = StateCodec.encode(learner, s);
        int timeEnd = StateCodec.varintEnd(v3, StateCodec.varintEnd(v3, 9));
        int layoutEnd = StateCodec.varintEnd(v3, timeEnd);
        byte[] v2 = new byte[v3.length - (layoutEnd - timeEnd)];
        System.arraycopy(v3, 0, v2, 0, timeEnd);
        System.arraycopy(v3, layoutEnd, v2, timeEnd, v3.length - layoutEnd);
        v2[0] = 2;
        return v2;
    }

    @Test
    void shouldWriteTheDocumentedVersion3Layout() {
        ModelState s = learned();
        byte[] bytes = StateCodec.encode(learner, s);
        // Independent reading of the layout in StateCodec's Javadoc.
        ByteBuffer b = ByteBuffer.wrap(bytes);
        assertEquals(3, b.get());
        assertEquals(learner.fingerprint(), b.getLong());
        assertEquals(2, b.get(), "updates 2: one varint byte");
        // time 7000: zigzag 14000, + 1 = 14001 = 109 * 128 + 49: bytes 0x80|49, 109
        assertEquals((byte) (0x80 | 49), b.get());
        assertEquals(109, b.get());
        assertEquals(learner.layout(), b.get(), "layout < 128: one varint byte");
        assertEquals(s.values().length, b.get(), "n < 128: one varint byte");
        for (double v : s.values()) {
            assertEquals(Double.doubleToRawLongBits(v), b.getLong());
        }
        assertEquals(0, b.remaining());
        assertEquals(14 + 8 * s.values().length, StateCodec.encodedSize(learner.storage(), learner.layout(), s));
        assertEquals(bytes.length, StateCodec.encodedSize(learner.storage(), learner.layout(), s));
        assertEquals(2L, StateCodec.updates(bytes));
        assertEquals(learner.fingerprint(), StateCodec.fingerprint(bytes));
        assertEquals(3, StateCodec.version(bytes));
    }

    @Test
    void shouldWriteALayoutOf128AndMoreInTwoVarintBytes() {
        Learner bank = Learners.create("kalman", 2);
        ModelState s = bank.newState();
        assertTrue(bank.layout() >= 128, "a standardized bank's layout: " + bank.layout());
        byte[] bytes = StateCodec.encode(bank, s);
        assertEquals(bytes.length, StateCodec.encodedSize(bank.storage(), bank.layout(), s));
        // version 4: header, then the bank (n: 1 byte; 4 members of p + p(p+1)/2 + 2 = 11 floats) and the
        // scales (c: 1 byte; 2d = 4 floats)
        assertEquals(4, bytes[0]);
        assertEquals(9 + 1 + 1 + 2 + 1 + 1 + 4 * 11 * 4 + 1 + 4 * 4, bytes.length);
        ModelState back = bank.newState();
        back.values()[0] = 42;
        StateCodec.decodeInto(bank, bytes, back);
        assertEquals(s, back);
    }

    /** A default kalman after a few updates, whose bank and scales are kept float32. */
    private static ModelState learnedBank(Learner bank) {
        ModelState s = bank.newState();
        for (int t = 0; t < 40; t++) {
            double[] x = {Math.sin(t), 100 * Math.cos(0.3 * t)};
            bank.learn(s, x, 1_000L * t, 3 * x[0] - 0.02 * x[1] + Math.sin(7 * t));
        }
        return s;
    }

    @Test
    void shouldWriteTheDocumentedVersion4Layout() {
        Learner bank = Learners.create("kalman", 2);
        ModelState s = learnedBank(bank);
        byte[] bytes = StateCodec.encode(bank, s);
        // Independent reading of the layout in StateCodec's Javadoc and the bank's: n, 4 members of
        // 3 + 6 + 2 float32, then c and 4 float32 scales.
        ByteBuffer b = ByteBuffer.wrap(bytes);
        assertEquals(4, b.get());
        assertEquals(bank.fingerprint(), b.getLong());
        assertEquals(40, b.get(), "updates 40: one varint byte");
        // time 39000: zigzag 78000, + 1 = 78001 = 4 * 128^2 + 97 * 128 + 49
        assertEquals((byte) (0x80 | 49), b.get());
        assertEquals((byte) (0x80 | 97), b.get());
        assertEquals(4, b.get());
        assertEquals((byte) (0x80 | (bank.layout() & 0x7F)), b.get());
        assertEquals(bank.layout() >> 7, b.get());
        assertEquals(s.values().length, b.get(), "n < 128: one varint byte");
        double[] v = s.values();
        assertEquals(2 * 40 + 1, b.get(), "the bank's n = 40 as zigzag + 1");
        assertEquals(40.0, v[0]);
        for (int i = 1; i < 1 + 4 * 11; i++) {
            assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(b.getFloat()), "value " + i);
        }
        assertEquals(2 * 40 + 1, b.get(), "the scales' c = 40");
        for (int i = 2 + 4 * 11; i < v.length; i++) {
            assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(b.getFloat()), "value " + i);
        }
        assertEquals(0, b.remaining());
        ModelState back = bank.newState();
        StateCodec.decodeInto(bank, bytes, back);
        assertEquals(s, back);
    }

    @Test
    void shouldWriteVersion3WhenAFloatValueIsNoFloat32() {
        Learner bank = Learners.create("kalman", 2);
        ModelState s = learnedBank(bank);
        for (double odd : new double[] {0.1, 1e300, -1e-300, Double.longBitsToDouble(0x7ff8000000000001L)}) {
            ModelState t = s.copy();
            t.values()[5] = odd;
            byte[] bytes = StateCodec.encode(bank, t);
            assertEquals(3, bytes[0], "full doubles for " + odd);
            assertEquals(bytes.length, StateCodec.encodedSize(bank.storage(), bank.layout(), t));
            ModelState back = bank.newState();
            StateCodec.decodeInto(bank, bytes, back);
            assertTrue(Arrays.equals(t.values(), back.values()), "bit for bit with " + odd);
        }
    }

    @Test
    void shouldKeepACountThatIsNoIntegerInFull() {
        Learner bank = Learners.create("kalman", 2);
        ModelState s = learnedBank(bank);
        for (double odd : new double[] {0.5, -0.0, 1e300, -1.0, 4.0e18, Double.NaN}) {
            ModelState t = s.copy();
            t.values()[0] = odd;
            byte[] bytes = StateCodec.encode(bank, t);
            assertEquals(4, bytes[0]);
            assertEquals(bytes.length, StateCodec.encodedSize(bank.storage(), bank.layout(), t));
            ModelState back = bank.newState();
            StateCodec.decodeInto(bank, bytes, back);
            assertEquals(Double.doubleToRawLongBits(odd), Double.doubleToRawLongBits(back.values()[0]), "count " + odd);
            assertTrue(Arrays.equals(t.values(), back.values()));
        }
    }

    @Test
    void shouldRefuseATruncatedOrPaddedVersion4StateLeavingTheTargetUntouched() {
        Learner bank = Learners.create("kalman", 2);
        byte[] good = StateCodec.encode(bank, learnedBank(bank));
        assertEquals(4, good[0]);
        for (byte[] bad : new byte[][] {Arrays.copyOf(good, good.length - 1), Arrays.copyOf(good, good.length + 1),
                Arrays.copyOf(good, good.length - 4), Arrays.copyOf(good, 16)}) {
            ModelState into = bank.newState();
            assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(bank, bad, into));
            assertEquals(bank.newState(), into);
        }
    }

    /**
     * A version-3 state of the bank's layout 1 (full doubles, written before issue #17) decodes to the
     * same values; its next update keeps them float32, and it is then written in version 4.
     */
    @Test
    void shouldReadTheBanksDoubleLayoutAndCompactItOnTheNextUpdate() {
        Learner bank = Learners.create("kalman", 2);
        ModelState s = learnedBank(bank);
        s.values()[3] = 0.1;   // a double as layout 1 held them
        byte[] v3 = StateCodec.encode(bank, s);
        assertEquals(3, v3[0]);
        int layoutAt = StateCodec.varintEnd(v3, StateCodec.varintEnd(v3, 9));
        assertEquals(bank.layout(), (int) StateCodec.varint(v3, layoutAt));
        v3[layoutAt] = (byte) (0x80 | ((bank.layout() - 1) & 0x7F));   // layout 0x101: the standardized bank of issue #13
        ModelState back = bank.newState();
        StateCodec.decodeInto(bank, v3, back);
        assertEquals(s, back);
        bank.learn(back, new double[] {1, 2}, 100_000L, 3.0);
        assertEquals(4, StateCodec.encode(bank, back)[0]);
    }

    @Test
    void shouldStillReadTheDocumentedVersion2Layout() {
        ModelState s = learned();
        byte[] v2 = version2(learner, s);
        assertEquals(2, StateCodec.version(v2));
        assertEquals(2L, StateCodec.updates(v2));
        assertEquals(learner.fingerprint(), StateCodec.fingerprint(v2));
        ModelState back = learner.newState();
        StateCodec.decodeInto(learner, v2, back);
        assertEquals(s, back);
        assertEquals(7_000L, back.lastEventTime());
        assertEquals(v2.length + 1, StateCodec.encode(learner, back).length, "re-encoded as version 3: one layout byte more");
    }

    @Test
    void shouldWriteNoTimeAsOneZeroByteAndA2020sTimeInSixBytes() {
        ModelState s = learner.newState();
        byte[] fresh = StateCodec.encode(learner, s);
        assertEquals(0, fresh[9], "updates 0");
        assertEquals(0, fresh[10], "no time: zigzag(Long.MIN_VALUE) + 1 wraps to 0");
        assertEquals(13 + 8 * s.values().length, fresh.length);
        s.setCounters(40, 1_700_000_039_000L);
        assertEquals(9 + 1 + 6 + 1 + 1 + 8 * s.values().length, StateCodec.encodedSize(learner.storage(), learner.layout(), s));
    }

    @Test
    void shouldRoundTripBitExactlyIncludingAFreshState() {
        for (ModelState s : new ModelState[] {learned(), learner.newState()}) {
            ModelState back = learner.newState();
            back.values()[0] = 42; // overwritten
            StateCodec.decodeInto(learner, StateCodec.encode(learner, s), back);
            assertEquals(s, back);
            assertEquals(s.lastEventTime(), back.lastEventTime());
        }
    }

    @Test
    void shouldRoundTripEveryCounterValueThroughTheVarints() {
        long[] counters = {0, 1, 127, 128, 16_383, 16_384, Integer.MAX_VALUE, Long.MAX_VALUE, -1, Long.MIN_VALUE};
        long[] times = {ModelState.NO_TIME, Long.MIN_VALUE + 1, -1, 0, 1, -1_000, 1_700_000_000_000L, Long.MAX_VALUE};
        ModelState s = learned();
        for (long updates : counters) {
            for (long time : times) {
                s.setCounters(updates, time);
                byte[] bytes = StateCodec.encode(learner, s);
                assertEquals(bytes.length, StateCodec.encodedSize(learner.storage(), learner.layout(), s));
                ModelState back = learner.newState();
                StateCodec.decodeInto(learner, bytes, back);
                assertEquals(updates, back.updates(), "updates " + updates);
                assertEquals(time, back.lastEventTime(), "time " + time);
                assertEquals(updates, StateCodec.updates(bytes));
                assertTrue(Arrays.equals(s.values(), back.values()));
            }
        }
    }

    @Test
    void shouldStillReadTheDocumentedVersion1Layout() {
        ModelState s = learned();
        byte[] v1 = version1(learner.fingerprint(), s, s.values().length);
        assertEquals(1, StateCodec.version(v1));
        assertEquals(2L, StateCodec.updates(v1));
        assertEquals(learner.fingerprint(), StateCodec.fingerprint(v1));
        ModelState back = learner.newState();
        StateCodec.decodeInto(learner, v1, back);
        assertEquals(s, back);
        assertEquals(7_000L, back.lastEventTime());
        assertEquals(29 + 8 * s.values().length - 15, StateCodec.encode(learner, back).length,
                "re-encoded as version 3: 15 bytes shorter here");
    }

    @Test
    void shouldMigrateAnEarlierLayoutOfTheLearnerOnRead() {
        Learner rls = Learners.create("rls:lambda=0.99,p0=100,scale=none", 2);
        ModelState s = rls.newState();
        rls.learn(s, new double[] {1, 2}, 1_000L, 3.0);
        rls.learn(s, new double[] {0.5, -1}, 2_000L, 0.5);
        // the layout before issue #4: the same values followed by p = 3 scratch zeros
        byte[] old = version1(rls.fingerprint(), s, s.values().length + 3);
        ModelState back = rls.newState();
        StateCodec.decodeInto(rls, old, back);
        assertEquals(s, back);
    }

    @Test
    void shouldRefuseBytesItCannotRead() {
        byte[] good = StateCodec.encode(learner, learned());
        ModelState into = learner.newState();
        StateFormatException e;

        byte[] future = good.clone();
        future[0] = 9;
        e = assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, future, into));
        assertTrue(e.getMessage().contains("unknown state format version 9"), e.getMessage());

        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, new byte[0], into));
        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, null, into));
        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, Arrays.copyOf(good, 11), into));
        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, Arrays.copyOf(good, 20), into));
        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, Arrays.copyOf(good, good.length - 1), into));
        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, Arrays.copyOf(good, good.length + 8), into));
        byte[] endless = Arrays.copyOf(good, good.length);
        Arrays.fill(endless, 9, endless.length, (byte) 0xFF);
        e = assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, endless, into));
        assertTrue(e.getMessage().contains("varint"), e.getMessage());

        Learner other = Learners.create("sgd:lr=0.2", 3);
        e = assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(other, good, other.newState()));
        assertTrue(e.getMessage().contains("another model"), e.getMessage());

        ModelState s = learned();
        byte[] longer = version1(learner.fingerprint(), s, s.values().length + 1);
        e = assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, longer, into));
        assertTrue(e.getMessage().contains("size mismatch"), e.getMessage());
        byte[] unknownLayout = StateCodec.encode(learner, s);
        unknownLayout[12] = 5; // the layout varint of a 2-update, 7 s state: a layout sgd never had
        e = assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, unknownLayout, into));
        assertTrue(e.getMessage().contains("no such earlier layout"), e.getMessage());
        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, Arrays.copyOf(version1(
                learner.fingerprint(), s, s.values().length), 28), into));
        assertEquals(learner.newState(), into, "a refused decode leaves the target untouched");
    }
}
