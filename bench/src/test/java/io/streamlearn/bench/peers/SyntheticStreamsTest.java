package io.streamlearn.bench.peers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticStreamsTest {

    @TempDir
    Path dir;

    private static SyntheticStreams.Settings settings(String scenario, int keys, int dim, int rows, long seed) {
        SyntheticStreams.Settings s = new SyntheticStreams.Settings();
        s.scenario = scenario;
        s.keys = keys;
        s.dim = dim;
        s.rows = rows;
        s.seed = seed;
        return s;
    }

    /**
     * With q = 0 the reference is exact Bayesian linear regression: its prediction for a key's n-th event
     * is the posterior mean after the key's first n-1 events, computed here independently by solving the
     * normal equations (X'X / r² + I / p0) w = X'y / r² with Gaussian elimination.
     */
    @Test
    void shouldPredictTheStaticScenarioWithTheBatchPosteriorMean() {
        SyntheticStreams.Settings s = settings("static", 3, 4, 300, 5);
        SyntheticStreams.Stream st = SyntheticStreams.generate(s);
        for (int i = 0; i < st.y.length; i += 7) {
            int k = st.keys[i];
            List<Integer> before = new ArrayList<>();
            for (int j = 0; j < i; j++) {
                if (st.keys[j] == k) {
                    before.add(j);
                }
            }
            double[][] a = new double[4][5];
            for (int p = 0; p < 4; p++) {
                a[p][p] = 1 / s.p0;
            }
            for (int j : before) {
                for (int p = 0; p < 4; p++) {
                    for (int q = 0; q < 4; q++) {
                        a[p][q] += st.x[j][p] * st.x[j][q] / (s.r * s.r);
                    }
                    a[p][4] += st.x[j][p] * st.y[j] / (s.r * s.r);
                }
            }
            double[] w = solve(a);
            double expected = 0;
            for (int p = 0; p < 4; p++) {
                expected += w[p] * st.x[i][p];
            }
            assertEquals(expected, st.reference[i], 1e-9 * (1 + Math.abs(expected)), "row " + i);
        }
    }

    @Test
    void shouldGiveACalibratedDriftReferenceThatBeatsTheMean() {
        SyntheticStreams.Stream st = SyntheticStreams.generate(settings("drift", 50, 4, 20_000, 1));
        assertTrue(Math.abs(st.calibration - 1) < 0.05, "mean NIS " + st.calibration);
        double refSe = 0;
        double var = 0;
        double mean = 0;
        for (double y : st.y) {
            mean += y / st.y.length;
        }
        for (int i = 0; i < st.y.length; i++) {
            refSe += Math.pow(st.y[i] - st.reference[i], 2);
            var += Math.pow(st.y[i] - mean, 2);
        }
        assertTrue(refSe < 0.2 * var, "the oracle explains most of the variance: " + refSe / var);
    }

    @Test
    void shouldReachTheInnovationVarianceWithTheArFloor() {
        SyntheticStreams.Stream st = SyntheticStreams.generate(settings("ar", 20, 3, 40_000, 3));
        double se = 0;
        for (int i = 0; i < st.y.length; i++) {
            se += Math.pow(st.y[i] - st.reference[i], 2);
        }
        assertEquals(1.0, se / st.y.length, 0.05, "σ = 1");
        // the features of a key's row are its previous labels
        int k = st.keys[1000];
        int prev = -1;
        for (int i = 1001; i < st.y.length; i++) {
            if (st.keys[i] == k) {
                prev = i;
                break;
            }
        }
        assertEquals(st.y[1000], st.x[prev][0], 0.0);
    }

    @Test
    void shouldTurnPartialAutocorrelationsIntoArCoefficients() {
        assertArrayEquals(new double[] {0.5}, SyntheticStreams.pacfToAr(new double[] {0.5}), 0.0);
        double a1 = 0.6;
        double a2 = -0.3;
        assertArrayEquals(new double[] {a1 - a2 * a1, a2}, SyntheticStreams.pacfToAr(new double[] {a1, a2}), 1e-15);
    }

    @Test
    void shouldWriteTheSameFileForTheSameSeed() throws IOException {
        SyntheticStreams.Settings s = settings("drift", 10, 3, 500, 9);
        Path a = dir.resolve("a.csv");
        Path b = dir.resolve("b.csv");
        Path c = dir.resolve("c.csv");
        SyntheticStreams.writeEvents(SyntheticStreams.generate(s), a);
        SyntheticStreams.writeEvents(SyntheticStreams.generate(s), b);
        s.seed = 10;
        SyntheticStreams.writeEvents(SyntheticStreams.generate(s), c);
        assertEquals(Files.readString(a), Files.readString(b));
        assertFalse(Files.readString(a).equals(Files.readString(c)));
        List<String> lines = Files.readAllLines(a);
        assertEquals("key,ts,label,f1,f2,f3", lines.get(0));
        assertEquals(501, lines.size());
        long last = 0;
        for (String l : lines.subList(1, lines.size())) {
            long ts = Long.parseLong(l.split(",")[1]);
            assertTrue(ts > last, "strictly increasing time");
            last = ts;
        }
    }

    private static double[] solve(double[][] a) {
        int n = a.length;
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] t = a[c];
            a[c] = a[piv];
            a[piv] = t;
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double f = a[r][c] / a[c][c];
                    for (int k = c; k <= n; k++) {
                        a[r][k] -= f * a[c][k];
                    }
                }
            }
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = a[i][n] / a[i][i];
        }
        return x;
    }
}
