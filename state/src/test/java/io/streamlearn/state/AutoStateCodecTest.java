package io.streamlearn.state;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.Storage;
import io.streamlearn.learn.registry.Learners;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code auto}'s state through the codec: compact bytes (its candidates' floats), and layout 0 read back. */
class AutoStateCodecTest {

    private static ModelState learned(Learner auto, boolean binary) {
        ModelState s = auto.newState();
        SplittableRandom r = new SplittableRandom(21);
        for (int t = 0; t < 500; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double y = binary ? (x[0] + 0.3 * r.nextGaussian() > 0 ? 1 : 0) : 40 + 10 * x[0] + r.nextGaussian();
            auto.learn(s, x, 1_700_000_000_000L + t * 3_600_000L, y);
        }
        return s;
    }

    @Test
    void shouldRoundTripAutoBitExactlyInCompactBytes() {
        Learner auto = Learners.create("auto", 3);
        for (boolean binary : new boolean[] {true, false}) {
            ModelState s = learned(auto, binary);
            byte[] bytes = StateCodec.encode(auto, s);
            assertEquals(4, bytes[0], "version 4: the Kalman candidates' values in 4 bytes");
            assertTrue(bytes.length < 8 * s.values().length * 0.7, bytes.length + " bytes for " + s.values().length + " values");
            ModelState back = auto.newState();
            StateCodec.decodeInto(auto, bytes, back);
            assertEquals(s, back);
            Prediction a = new Prediction();
            Prediction b = new Prediction();
            double[] x = {0.3, -1, 2};
            auto.predict(s, x, 1_800_000_000_000L, a);
            auto.predict(back, x, 1_800_000_000_000L, b);
            assertEquals(a.mean(), b.mean(), 0.0);
            assertEquals(a.stddev(), b.stddev(), 0.0);
        }
    }

    @Test
    void shouldReadAutoStatesOfLayout0() {
        Learner auto = Learners.create("auto:candidates=kalman|last|mean", 3);
        ModelState s = learned(auto, false);
        // layout 0 as stored before: [W, L_0 .. L_2, candidates' states] in doubles, version 3
        double[] v = s.values();
        ModelState old = new ModelState(v.length - 4);
        System.arraycopy(v, 0, old.values(), 0, 4);
        System.arraycopy(v, 8, old.values(), 4, v.length - 8);
        old.setCounters(s.updates(), s.lastEventTime());
        byte[] bytes = StateCodec.encode(auto.fingerprint(), 0, Storage.doubles(old.values().length), old);
        ModelState back = auto.newState();
        StateCodec.decodeInto(auto, bytes, back);
        assertEquals(s, back, "a numeric key reads back as it was, mixing in the label space");
    }
}
