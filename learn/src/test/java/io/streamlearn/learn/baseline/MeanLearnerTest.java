package io.streamlearn.learn.baseline;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MeanLearnerTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "mean";
    }

    @Test
    void shouldPredictTheMeanOfTheLabelsSeenSoIgnoringFeatures() {
        Learner l = Learners.create("mean", 2);
        ModelState s = l.newState();
        Prediction p = new Prediction();
        l.predict(s, new double[] {1, 2}, 0, p);
        assertEquals(0.0, p.mean(), "no label yet");
        SplittableRandom r = new SplittableRandom(3);
        double sum = 0;
        for (int t = 1; t <= 500; t++) {
            double y = 100 + 10 * r.nextGaussian();
            l.learn(s, new double[] {r.nextGaussian(), r.nextGaussian()}, t, y);
            sum += y;
            l.predict(s, new double[] {r.nextGaussian(), 5}, t, p);
            assertEquals(sum / t, p.mean(), 1e-9 * Math.abs(sum / t), "after " + t + " labels");
        }
        assertEquals(500, s.updates());
    }
}
