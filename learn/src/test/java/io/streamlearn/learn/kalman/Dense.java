package io.streamlearn.learn.kalman;

/**
 * Independent dense-matrix references for the Kalman tests: plain {@code double[][]} linear algebra
 * written from the textbook formulas, sharing no code with the learners.
 */
final class Dense {

    private Dense() {
    }

    static double[][] identity(int n, double v) {
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i][i] = v;
        }
        return a;
    }

    static double[] mul(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += a[i][j] * x[j];
            }
            y[i] = s;
        }
        return y;
    }

    static double[][] mul(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < b.length; k++) {
                double aik = a[i][k];
                for (int j = 0; j < m; j++) {
                    c[i][j] += aik * b[k][j];
                }
            }
        }
        return c;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Solves {@code A x = b} by Gaussian elimination with partial pivoting (A and b untouched). */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int piv = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) {
                    piv = r;
                }
            }
            double[] tmp = m[col];
            m[col] = m[piv];
            m[piv] = tmp;
            for (int r = col + 1; r < n; r++) {
                double f = m[r][col] / m[col][col];
                for (int c = col; c <= n; c++) {
                    m[r][c] -= f * m[col][c];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = m[i][n];
            for (int j = i + 1; j < n; j++) {
                s -= m[i][j] * x[j];
            }
            x[i] = s / m[i][i];
        }
        return x;
    }

    /** Inverse by solving against each unit vector. */
    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] inv = new double[n][n];
        for (int j = 0; j < n; j++) {
            double[] e = new double[n];
            e[j] = 1;
            double[] col = solve(a, e);
            for (int i = 0; i < n; i++) {
                inv[i][j] = col[i];
            }
        }
        return inv;
    }

    /** {@code log det A} of a symmetric positive-definite A, by Gaussian elimination without pivoting. */
    static double logDet(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
        }
        double ld = 0;
        for (int col = 0; col < n; col++) {
            ld += Math.log(m[col][col]);
            for (int r = col + 1; r < n; r++) {
                double f = m[r][col] / m[col][col];
                for (int c = col; c < n; c++) {
                    m[r][c] -= f * m[col][c];
                }
            }
        }
        return ld;
    }

    /** The input with an intercept: {@code [x, 1]} or {@code x}. */
    static double[] z(double[] x, boolean intercept) {
        if (!intercept) {
            return x.clone();
        }
        double[] z = java.util.Arrays.copyOf(x, x.length + 1);
        z[x.length] = 1.0;
        return z;
    }

    /**
     * The textbook random-walk Kalman filter for regression (Kalman 1960), dense, Joseph form:
     * {@code P = (I - K H) P (I - K H)' + K r K'}.
     */
    static final class Kalman {
        final int p;
        final double q;
        final double r;
        double[] w;
        double[][] P;
        boolean started;

        Kalman(int p, double q, double r, double p0) {
            this.p = p;
            this.q = q;
            this.r = r;
            this.w = new double[p];
            this.P = identity(p, p0);
        }

        /** Time update by {@code qStep} (per-event q, or q times elapsed seconds). */
        void timeUpdate(double qStep) {
            for (int i = 0; i < p; i++) {
                P[i][i] += qStep;
            }
        }

        /** {@code {mean, variance}} of the next label. */
        double[] predict(double[] z, double qStep) {
            double[][] pr = copy(P);
            for (int i = 0; i < p; i++) {
                pr[i][i] += qStep;
            }
            return new double[] {dot(w, z), dot(z, mul(pr, z)) + r};
        }

        void update(double[] z, double y) {
            double[] pz = mul(P, z);
            double s = dot(z, pz) + r;
            double[] k = new double[p];
            for (int i = 0; i < p; i++) {
                k[i] = pz[i] / s;
            }
            double e = y - dot(w, z);
            for (int i = 0; i < p; i++) {
                w[i] += k[i] * e;
            }
            double[][] a = identity(p, 1.0);
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    a[i][j] -= k[i] * z[j];
                }
            }
            double[][] joseph = mul(mul(a, P), transpose(a));
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    joseph[i][j] += k[i] * r * k[j];
                }
            }
            P = joseph;
        }
    }

    static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
