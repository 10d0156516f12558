package io.streamlearn.learn.kalman;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bank's learned drift per coordinate ({@code shape=}, issue #13). */
class KalmanShapeTest {

    private static final int EVENTS = 20_000;

    /**
     * Three features; only the first one's weight drifts (a random walk of variance 0.05 per event,
     * the others and the intercept fixed), noise variance 0.25. Returns the second half's
     * prequential squared errors of each spec, and fills {@code views} with the final multipliers.
     */
    private static double[] secondHalfMse(double[][] multipliers, String... specs) {
        Learner[] ls = new Learner[specs.length];
        ModelState[] ss = new ModelState[specs.length];
        for (int i = 0; i < specs.length; i++) {
            ls[i] = Learners.create(specs[i], 3);
            ss[i] = ls[i].newState();
        }
        double[] sum = new double[specs.length];
        SplittableRandom r = new SplittableRandom(11);
        double w0 = 1.0;
        Prediction out = new Prediction();
        for (int t = 0; t < EVENTS; t++) {
            w0 += Math.sqrt(0.05) * r.nextGaussian();
            double[] x = {r.nextGaussian(), 3 * r.nextGaussian(), 0.5 + r.nextDouble()};
            double y = w0 * x[0] + 0.4 * x[1] - x[2] + 2 + 0.5 * r.nextGaussian();
            for (int i = 0; i < specs.length; i++) {
                ls[i].predict(ss[i], x, t, out);
                if (t >= EVENTS / 2) {
                    double e = y - out.mean();
                    sum[i] += e * e;
                }
                ls[i].learn(ss[i], x, t, y);
            }
        }
        for (int i = 0; i < specs.length; i++) {
            sum[i] /= EVENTS / 2;
            assertTrue(ss[i].isFinite(), specs[i]);
            multipliers[i] = ls[i].inspect(ss[i]).get("driftMultipliers");
        }
        return sum;
    }

    /**
     * The reference: the textbook filter that knows the true drift of each coordinate (process noise
     * diag(0.05, 0, 0, 0), noise 0.25), in dense matrices ({@link Dense}).
     */
    private static double oracleSecondHalfMse() {
        SplittableRandom r = new SplittableRandom(11);
        double w0 = 1.0;
        double[] m = new double[4];
        double[][] c = Dense.identity(4, 100.0);
        double sum = 0;
        for (int t = 0; t < EVENTS; t++) {
            w0 += Math.sqrt(0.05) * r.nextGaussian();
            double[] x = {r.nextGaussian(), 3 * r.nextGaussian(), 0.5 + r.nextDouble()};
            double y = w0 * x[0] + 0.4 * x[1] - x[2] + 2 + 0.5 * r.nextGaussian();
            double[] z = {x[0], x[1], x[2], 1.0};
            if (t > 0) {
                c[0][0] += 0.05;
            }
            double[] u = Dense.mul(c, z);
            double s = Dense.dot(z, u) + 0.25;
            double e = y - Dense.dot(m, z);
            if (t >= EVENTS / 2) {
                sum += e * e;
            }
            for (int i = 0; i < 4; i++) {
                m[i] += u[i] * e / s;
                for (int j = 0; j < 4; j++) {
                    c[i][j] -= u[i] * u[j] / s;
                }
            }
        }
        return sum / (EVENTS / 2);
    }

    @Test
    void shouldGiveTheDriftingWeightTheDriftAndComeCloserToTheFilterThatKnowsIt() {
        double[][] g = new double[2][];
        double[] mse = secondHalfMse(g, "kalman", "kalman:shape=0.03");
        double oracle = oracleSecondHalfMse();
        assertEquals(null, g[0], "the isotropic bank has no multipliers");
        assertEquals(4, g[1].length, "one per weight, the intercept's last");
        for (int j = 1; j < 4; j++) {
            assertTrue(g[1][0] > 10 * g[1][j], "the drifting weight's multiplier stands out: " + Arrays.toString(g[1]));
        }
        assertTrue(mse[1] < 0.97 * mse[0], "shaped " + mse[1] + " against isotropic " + mse[0] + " (oracle " + oracle + ")");
        assertTrue(mse[1] < 1.10 * oracle, "shaped " + mse[1] + " within 10% of the oracle " + oracle);
    }

    @Test
    void shouldPredictExactlyAsTheIsotropicBankBeforeItsFirstUpdate() {
        Learner plain = Learners.create("kalman", 2);
        Learner shaped = Learners.create("kalman:shape=0.03", 2);
        ModelState a = plain.newState();
        ModelState b = shaped.newState();
        Prediction pa = new Prediction();
        Prediction pb = new Prediction();
        double[] x = {0.3, -2};
        plain.learn(a, x, 0, 1.5);
        shaped.learn(b, x, 0, 1.5);
        plain.predict(a, x, 1, pa);
        shaped.predict(b, x, 1, pb);
        assertEquals(pa.mean(), pb.mean(), 0.0, "the first update adds no drift, so the multipliers do not move yet");
        assertEquals(1.0, shaped.inspect(b).get("driftMultipliers")[0], 0.0);
    }

    @Test
    void shouldRejectARateThatIsNotPositiveOrMixedWithTheSingleFilter() {
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:shape=0", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:shape=-1", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:q=1e-3,r=1,shape=0.03", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:loss=logistic,shape=0.03", 2));
    }
}
