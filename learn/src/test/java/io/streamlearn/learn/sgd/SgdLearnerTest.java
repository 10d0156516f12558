package io.streamlearn.learn.sgd;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SgdLearnerTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "sgd";
    }

    @Test
    void shouldReachLeastSquaresWeightsOnNoiselessStaticData() {
        Learner l = Learners.create("sgd:lr=0.5", 3);
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(1);
        double[] w = {2.0, -1.0, 0.5};
        double b = 3.0;
        for (int t = 0; t < 50_000; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            l.learn(s, x, t, w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b);
        }
        // noiseless and well posed: the least-squares solution is the generating one
        for (int i = 0; i < 3; i++) {
            assertEquals(w[i], s.values()[i], 1e-6, "weight " + i);
        }
        assertEquals(b, s.values()[3], 1e-6, "intercept");
        Prediction p = new Prediction();
        l.predict(s, new double[] {1, 1, 1}, 0, p);
        assertEquals(4.5, p.mean(), 1e-6);
    }
}
