package io.streamlearn.learn.kalman;

import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.Learners;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KalmanLogisticTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "kalman:loss=logistic,q=1e-4,p0=1";
    }

    @Override
    protected boolean binaryLabels() {
        return true;
    }

    @Test
    void shouldMatchTheTextbookExtendedKalmanFilter() {
        // EKF with h(w) = sigmoid(w'z): H = g z' (g = mu(1-mu)), Bernoulli noise variance g,
        // S = H R H' + g, K = R H' / S, m += K (y - mu), P = (I - K H) R (I - K H)' + K g K'.
        int d = 3;
        double q = 1e-3;
        Learner clf = Learners.create("kalman:loss=logistic,q=1e-3,p0=2", d);
        ModelState s = clf.newState();
        int p = d + 1;
        double[] m = new double[p];
        double[][] P = Dense.identity(p, 2.0);
        SplittableRandom rnd = new SplittableRandom(3);
        double[] w = {2, -1, 0.5, -0.3};
        Prediction out = new Prediction();
        double logLoss = 0;
        for (int t = 0; t < 3000; t++) {
            double[] x = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
            double[] z = Dense.z(x, true);
            double y = rnd.nextDouble() < 1 / (1 + Math.exp(-Dense.dot(w, z))) ? 1 : 0;
            double[][] R = Dense.copy(P);
            if (t > 0) {
                for (int i = 0; i < p; i++) {
                    R[i][i] += q;
                }
            }
            double h = Dense.dot(m, z);
            double var = Dense.dot(z, Dense.mul(R, z));
            double expected = 1 / (1 + Math.exp(-h / Math.sqrt(1 + Math.PI * var / 8)));
            clf.predict(s, x, t, out);
            assertEquals(expected, out.mean(), 1e-9, "probability at " + t);
            assertEquals(Math.sqrt(expected * (1 - expected)), out.stddev(), 1e-9);
            if (t >= 1000) {
                logLoss -= Math.log(y == 1 ? out.mean() : 1 - out.mean());
            }
            double mu = 1 / (1 + Math.exp(-h));
            double g = mu * (1 - mu);
            double[] hRow = new double[p];
            for (int i = 0; i < p; i++) {
                hRow[i] = g * z[i];
            }
            double[] rh = Dense.mul(R, hRow);
            double sInnov = Dense.dot(hRow, rh) + g;
            double[] k = new double[p];
            for (int i = 0; i < p; i++) {
                k[i] = rh[i] / sInnov;
                m[i] += k[i] * (y - mu);
            }
            double[][] a = Dense.identity(p, 1);
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    a[i][j] -= k[i] * hRow[j];
                }
            }
            P = Dense.mul(Dense.mul(a, R), Dense.transpose(a));
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    P[i][j] += k[i] * g * k[j];
                }
                assertTrue(P[i][i] < 2.0, "the cap never applies on this data");
            }
            clf.learn(s, x, t, y);
        }
        double[] weights = clf.inspect(s).get("weights");
        for (int i = 0; i < d; i++) {
            assertEquals(m[i], weights[i], 1e-9);
        }
        assertTrue(logLoss / 2000 < 0.55, "log-loss of the later events " + logLoss / 2000 + " (coin: 0.693)");
    }

    @Test
    void shouldRefuseLabelsOutsideTheUnitInterval() {
        Learner clf = learner();
        ModelState s = clf.newState();
        ModelState before = s.copy();
        assertThrows(InvalidInputException.class, () -> clf.learn(s, new double[dimension()], 0, 2.0));
        assertEquals(before, s);
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:loss=logistic,r=1", 2));
        assertThrows(IllegalArgumentException.class, () -> Learners.create("kalman:loss=hinge", 2));
    }
}
