package io.streamlearn.learn.sgd;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossTest {

    private static final Loss[] SMOOTH = {Loss.squared(), Loss.huber(0.7), Loss.logistic()};

    /** Integrates dp/dh = -a ℓ'(p, y) over h in [0, 1] with classical Runge-Kutta: an independent reference. */
    private static double flow(Loss loss, double p, double y, double a) {
        int steps = 20_000;
        double h = 1.0 / steps;
        for (int k = 0; k < steps; k++) {
            double k1 = -a * loss.derivative(p, y);
            double k2 = -a * loss.derivative(p + 0.5 * h * k1, y);
            double k3 = -a * loss.derivative(p + 0.5 * h * k2, y);
            double k4 = -a * loss.derivative(p + h * k3, y);
            p += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        return p;
    }

    @Test
    void shouldMatchTheGradientFlowForSmoothLosses() {
        double[] scores = {-6, -1.5, -0.2, 0, 0.3, 2, 8};
        double[] rates = {1e-4, 0.05, 0.7, 3, 12};
        for (Loss loss : SMOOTH) {
            double[] labels = loss.kind() == Loss.Kind.LOGISTIC ? new double[] {0, 1} : new double[] {-2, 0.1, 5};
            for (double p : scores) {
                for (double y : labels) {
                    for (double a : rates) {
                        double expected = flow(loss, p, y, a) - p;
                        double got = loss.invariantScoreChange(p, y, a);
                        assertEquals(expected, got, 1e-7 * (1 + Math.abs(expected)), loss + " p=" + p + " y=" + y + " a=" + a);
                    }
                }
            }
        }
    }

    @Test
    void shouldSolveTheLogisticFlowForLargeRates() {
        // m1 + e^m1 = m0 + e^m0 + a for the margin m = y± p; checked on the solution itself
        Loss loss = Loss.logistic();
        for (double p : new double[] {-40, -3, 0, 2, 25}) {
            for (double a : new double[] {5, 100, 1e4, 1e8}) {
                double m0 = -p;  // label 0: y± = -1
                double m1 = -(p + loss.invariantScoreChange(p, 0, a));
                double lhs = m1 + Math.exp(m1);
                double rhs = m0 + Math.exp(m0) + a;
                assertEquals(rhs, lhs, 1e-12 * Math.abs(rhs), "p=" + p + " a=" + a);
            }
        }
    }

    @Test
    void shouldStopTheQuantileFlowAtTheLabel() {
        Loss q = Loss.quantile(0.8);
        // below the label the pull is tau per unit rate, above it 1 - tau, and it never crosses
        assertEquals(0.8 * 0.5, q.invariantScoreChange(0, 10, 0.5), 1e-15);
        assertEquals(-0.2 * 0.5, q.invariantScoreChange(10, 0, 0.5), 1e-15);
        assertEquals(10, q.invariantScoreChange(0, 10, 1e6), 0.0);
        assertEquals(-10, q.invariantScoreChange(10, 0, 1e6), 0.0);
        assertEquals(0, q.invariantScoreChange(3, 3, 1), 0.0);
    }

    @Test
    void shouldNeverOvershoot() {
        for (Loss loss : new Loss[] {Loss.squared(), Loss.huber(1), Loss.quantile(0.3)}) {
            for (double a : new double[] {0.1, 10, 1e9}) {
                double change = loss.invariantScoreChange(4, 1, a);
                assertTrue(change <= 0 && change >= -3, loss + " a=" + a + ": " + change);
            }
        }
    }

    @Test
    void shouldHaveDerivativesOfTheirValues() {
        Loss[] all = {Loss.squared(), Loss.huber(0.7), Loss.logistic(), Loss.quantile(0.25)};
        for (Loss loss : all) {
            double y = loss.kind() == Loss.Kind.LOGISTIC ? 1 : 0.4;
            for (double p : new double[] {-3, -0.5, 0.1, 0.9, 2.5}) {
                double h = 1e-6;
                double numeric = (loss.value(p + h, y) - loss.value(p - h, y)) / (2 * h);
                assertEquals(numeric, loss.derivative(p, y), 1e-6, loss + " at " + p);
            }
        }
        // closed forms
        assertEquals(0.5 * 9, Loss.squared().value(4, 1), 1e-15);
        assertEquals(0.7 * (3 - 0.35), Loss.huber(0.7).value(4, 1), 1e-15);
        assertEquals(Math.log(2), Loss.logistic().value(0, 1), 1e-15);
        assertEquals(0.25 * 3, Loss.quantile(0.25).value(1, 4), 1e-15);
        assertEquals(0.75 * 3, Loss.quantile(0.25).value(4, 1), 1e-15);
        assertEquals(1000, Loss.logistic().value(-1000, 1), 1e-9, "no overflow");
        assertEquals(0.5, Loss.logistic().link(0), 0.0);
        assertEquals(1.0, Loss.logistic().link(800), 0.0);
        assertEquals(0.0, Loss.logistic().link(-800), 0.0);
    }

    @Test
    void shouldRefuseBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> Loss.huber(0));
        assertThrows(IllegalArgumentException.class, () -> Loss.quantile(0));
        assertThrows(IllegalArgumentException.class, () -> Loss.quantile(1));
        assertThrows(IllegalArgumentException.class, () -> Loss.huber(Double.NaN));
    }
}
