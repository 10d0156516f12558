package io.streamlearn.learn.memory;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.LearnerContractTest;
import io.streamlearn.learn.registry.Learners;
import io.streamlearn.learn.ModelState;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SsmCompositeTest extends LearnerContractTest {

    @Override
    protected String spec() {
        return "lags:p=4,split=dlinear,ma=3+ssm:n=4,init=lin,timescale=1s,of=features+sgd";
    }

    @Override
    protected int stressUpdates() {
        return 200_000;
    }

    // ---- an independent reference: the exact ZOH solution from a matrix exponential (Van Loan 1978) ----

    /** e^M by scaling and squaring with a degree-24 Taylor series. */
    static double[][] expm(double[][] m) {
        int n = m.length;
        double norm = 0;
        for (double[] row : m) {
            double s = 0;
            for (double v : row) {
                s += Math.abs(v);
            }
            norm = Math.max(norm, s);
        }
        int squarings = Math.max(0, (int) Math.ceil(Math.log(norm + 1e-300) / Math.log(2)) + 1);
        double scale = Math.pow(2, -squarings);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = m[i][j] * scale;
            }
        }
        double[][] result = identity(n);
        double[][] term = identity(n);
        for (int k = 1; k <= 24; k++) {
            term = multiply(term, a);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    term[i][j] /= k;
                    result[i][j] += term[i][j];
                }
            }
        }
        for (int s = 0; s < squarings; s++) {
            result = multiply(result, result);
        }
        return result;
    }

    static double[][] identity(int n) {
        double[][] e = new double[n][n];
        for (int i = 0; i < n; i++) {
            e[i][i] = 1;
        }
        return e;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < n; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    /**
     * Continuous-time (A, B) as real matrices: real modes λ_k = -(k+1)/T, or S4D-Lin complex modes
     * λ_m = (-1/2 + iπm)/T as 2×2 rotation-scaling blocks on (re, im); B = -λ (unit DC gain).
     */
    static double[][] augmented(int n, boolean lin, double timescale, double dt) {
        double[][] m = new double[n + 1][n + 1];
        if (!lin) {
            for (int k = 0; k < n; k++) {
                double lambda = -(k + 1) / timescale;
                m[k][k] = lambda * dt;
                m[k][n] = -lambda * dt;
            }
        } else {
            for (int k = 0; k < n; k += 2) {
                double a = -0.5 / timescale;
                double b = Math.PI * (k / 2) / timescale;
                m[k][k] = a * dt;
                m[k][k + 1] = -b * dt;
                m[k + 1][k] = b * dt;
                m[k + 1][k + 1] = a * dt;
                m[k][n] = -a * dt;       // B = -λ = (-a) + i(-b)
                m[k + 1][n] = -b * dt;
            }
        }
        return m;
    }

    private static void checkAgainstMatrixExponential(boolean lin) {
        int n = 6;
        double timescale = 2_000;
        Learner l = Learners.create("ssm:n=6,init=" + (lin ? "lin" : "real") + ",timescale=2s+sgd", 1);
        ModelState s = l.newState();
        SplittableRandom r = new SplittableRandom(lin ? 1 : 2);
        double[] state = new double[n];
        long t = 5_000;
        for (int i = 0; i < 300; i++) {
            long dt = i == 0 ? 0 : (r.nextInt(4) == 0 ? 0 : r.nextInt(1, 6_000));
            t += dt;
            double u = 2 + r.nextGaussian();
            if (i == 0) {
                for (int k = 0; k < n; k++) {
                    state[k] = lin && k % 2 == 1 ? 0 : u;   // the first input is taken as held forever
                }
            } else {
                // [s; u] ← expm([[A, B], [0, 0]] Δt) [s; u]: s ← e^{AΔt} s + ∫_0^Δt e^{Aτ} dτ B u
                double[][] e = expm(augmented(n, lin, timescale, dt));
                double[] next = new double[n];
                for (int a = 0; a < n; a++) {
                    double v = e[a][n] * u;
                    for (int b = 0; b < n; b++) {
                        v += e[a][b] * state[b];
                    }
                    next[a] = v;
                }
                state = next;
            }
            l.learn(s, new double[] {0.1}, t, u);
            double[] got = l.inspect(s).get("ssm.states");
            for (int k = 0; k < n; k++) {
                assertEquals(state[k], got[k], 1e-9, (lin ? "lin" : "real") + " state " + k + " after " + i);
            }
        }
    }

    @Test
    void shouldMatchTheExactZeroOrderHoldSolutionForRealModes() {
        checkAgainstMatrixExponential(false);
    }

    @Test
    void shouldMatchTheExactZeroOrderHoldSolutionForComplexModes() {
        checkAgainstMatrixExponential(true);
    }

    @Test
    void shouldUseS4dRealEigenvalues() {
        SsmMemory m = new SsmMemory(4, false, 1000, false, 1);
        assertEquals(-1.0 / 1000, m.realEigenvalue(0));
        assertEquals(-4.0 / 1000, m.realEigenvalue(3));
        assertEquals("ssm:n=4,init=real,timescale=1s,of=label", m.spec());
    }
}
