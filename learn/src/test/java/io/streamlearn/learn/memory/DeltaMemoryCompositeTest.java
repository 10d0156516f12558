package io.streamlearn.learn.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DeltaMemoryCompositeTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "delta:dk=3,dv=2,alpha=0.99+sgd";
    }

    @Override
    protected int stressUpdates() {
        return 200_000;
    }

    @Test
    void shouldGiveTheReadoutTheRetrievedValuesOfTheMemory() {
        int d = 4;
        Learner composite = Learners.create("delta:dv=1+sgd", d);
        Learner alone = Learners.create("delta", d);    // the same memory as a predictor
        ModelState cs = composite.newState();
        ModelState as = alone.newState();
        Prediction p = new Prediction();
        SplittableRandom r = new SplittableRandom(6);
        for (int t = 0; t < 200; t++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            double y = x[0] - 2 * x[3];
            composite.learn(cs, x, t, y);
            alone.learn(as, x, t, y);
        }
        double[] x = {0.3, -1, 2, 0.5};
        alone.predict(as, x, 200, p);
        double[] fast = composite.inspect(cs).get("delta.fastWeights");
        double retrieved = 0;
        for (int i = 0; i < d; i++) {
            retrieved += fast[i] * x[i];
        }
        assertEquals(p.mean(), retrieved, 1e-12);
    }
}
