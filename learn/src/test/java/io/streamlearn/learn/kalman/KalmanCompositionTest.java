package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The second-order readouts behind memories and the drift guard. */
class KalmanCompositionTest {

    @ParameterizedTest
    @ValueSource(strings = {"lags:p=3+kalman", "drift:detector=ph,action=inflate+kalman",
            "drift:detector=ph,action=inflate+rls", "drift:detector=ph,action=inflate+kalman:q=1e-3,r=auto,p0=1"})
    void shouldLearnAnAutoregressionWithAShiftBehindOtherStages(String spec) {
        Learner l = Learners.create(spec, 1);
        ModelState s = l.newState();
        Prediction out = new Prediction();
        SplittableRandom r = new SplittableRandom(4);
        double prev = 0;
        double sse = 0;
        double var = 0;
        for (int t = 0; t < 6000; t++) {
            double level = t < 3000 ? 0 : 8;          // a regime change half way
            double y = level + 0.8 * (prev - level) + 0.5 * r.nextGaussian();
            double[] x = {prev};
            l.predict(s, x, t * 1000L, out);
            l.observe(s, x, t * 1000L);
            l.learn(s, x, t * 1000L, y);
            if (t >= 3500) {
                sse += (out.mean() - y) * (out.mean() - y);
                var += (y - level) * (y - level);
            }
            prev = y;
        }
        assertTrue(s.isFinite());
        assertTrue(sse < 0.5 * var, spec + ": after the shift the model predicts well: " + sse / var);
    }
}
