package io.streamlearn.learn.memory;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.drift.DriftGuard;
import io.streamlearn.learn.drift.PageHinkley;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompositeReadoutObserveTest {

    /** A readout that records, on observe, how many events it saw and the last input it was given. */
    static final class Recorder implements Learner {
        private final int d;

        Recorder(int d) {
            this.d = d;
        }

        @Override
        public String spec() {
            return "recorder";
        }

        @Override
        public int dimension() {
            return d;
        }

        @Override
        public ModelState newState() {
            return new ModelState(d + 1);
        }

        @Override
        public void predict(ModelState state, double[] x, long time, Prediction out) {
            Inputs.check(x, d);
            out.set(0);
        }

        @Override
        public void learn(ModelState state, double[] x, long time, double label) {
            state.recordUpdate(time);
        }

        @Override
        public boolean observesEvents() {
            return true;
        }

        @Override
        public void observe(ModelState state, double[] x, long time) {
            double[] s = state.values();
            s[0] += 1;
            System.arraycopy(x, 0, s, 1, d);
        }
    }

    @Test
    void shouldPassTheComposedInputToAReadoutThatObservesEvents() {
        Memory ema = new EmaMemory(new double[] {1000}, true, 2);
        Learner inner = new DriftGuard(new PageHinkley(0.005, 50, 1, 30), new Recorder(4), DriftGuard.Action.RESET, 10);
        CompositeLearner l = new CompositeLearner(2, List.of(ema), inner);
        assertTrue(l.observesEvents());
        ModelState s = l.newState();
        l.observe(s, new double[] {2, 4}, 0);
        l.observe(s, new double[] {4, 8}, 0);      // same time: plain average of the two events
        double[] rec = l.inspect(s).get("readout.readout.values");
        assertArrayEquals(new double[] {2, 4, 8, 3, 6}, rec, 1e-12);
    }
}
