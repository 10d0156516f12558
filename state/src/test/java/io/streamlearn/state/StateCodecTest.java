package io.streamlearn.state;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
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

    @Test
    void shouldWriteTheDocumentedVersion1Layout() {
        ModelState s = learned();
        byte[] bytes = StateCodec.encode(learner, s);
        // Independent reading of the layout in StateCodec's Javadoc.
        ByteBuffer b = ByteBuffer.wrap(bytes);
        assertEquals(1, b.get());
        assertEquals(learner.fingerprint(), b.getLong());
        assertEquals(2L, b.getLong());
        assertEquals(7_000L, b.getLong());
        assertEquals(s.values().length, b.getInt());
        for (double v : s.values()) {
            assertEquals(Double.doubleToRawLongBits(v), b.getLong());
        }
        assertEquals(0, b.remaining());
        assertEquals(29 + 8 * s.values().length, StateCodec.encodedSize(s));
        assertEquals(bytes.length, StateCodec.encodedSize(s));
        assertEquals(2L, StateCodec.updates(bytes));
        assertEquals(learner.fingerprint(), StateCodec.fingerprint(bytes));
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
        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, Arrays.copyOf(good, 20), into));
        assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(learner, Arrays.copyOf(good, good.length - 1), into));

        Learner other = Learners.create("sgd:lr=0.2", 3);
        e = assertThrows(StateFormatException.class, () -> StateCodec.decodeInto(other, good, other.newState()));
        assertTrue(e.getMessage().contains("another model"), e.getMessage());
        assertEquals(learner.newState(), into, "a refused decode leaves the target untouched");
    }
}
