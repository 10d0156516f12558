package io.streamlearn.learn.baseline;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LastLearnerTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "last";
    }

    @Test
    void shouldPredictTheLatestLabel() {
        Learner l = Learners.create("last", 1);
        ModelState s = l.newState();
        Prediction p = new Prediction();
        l.predict(s, new double[] {7}, 0, p);
        assertEquals(0.0, p.mean());
        double[] labels = {3.5, -2.0, 1e6, 0.25};
        for (int i = 0; i < labels.length; i++) {
            l.learn(s, new double[] {i}, i, labels[i]);
            l.predict(s, new double[] {42}, i, p);
            assertEquals(labels[i], p.mean());
        }
    }
}
