package io.streamlearn.learn.kalman;

/**
 * Loops on a symmetric {@code p x p} matrix stored as its packed upper triangle, row by row:
 * <pre>
 *   row 0: C00 C01 C02 ... C0,p-1      (p values)
 *   row 1:     C11 C12 ... C1,p-1      (p-1 values)
 *   ...
 *   row p-1:                Cp-1,p-1   (1 value)
 * </pre>
 * so {@code C[i][j]} (i &lt;= j) sits at {@code off + i*p - i*(i-1)/2 + (j-i)}, and the matrix takes
 * {@code p(p+1)/2} doubles. Storing each pair once makes every update exactly symmetric.
 *
 * <p>The regression input is {@code z = [x_0 .. x_{d-1}, 1]} with an intercept, or {@code z = x}
 * without: the constant 1 is never materialised, so the loops read {@code x} directly and treat the
 * last index specially. Nothing here allocates.
 */
final class Packed {

    private Packed() {
    }

    /** Number of doubles of a packed symmetric {@code p x p} matrix. */
    static int size(int p) {
        return p * (p + 1) / 2;
    }

    /** Offset of the diagonal element {@code C[i][i]} from the matrix start. */
    static int diagonal(int i, int p) {
        return i * p - i * (i - 1) / 2;
    }

    /** Sets the matrix to {@code v I}. */
    static void setDiagonal(double[] c, int off, int p, double v) {
        java.util.Arrays.fill(c, off, off + size(p), 0.0);
        for (int i = 0; i < p; i++) {
            c[off + diagonal(i, p)] = v;
        }
    }

    /** {@code C += v I}. */
    static void addDiagonal(double[] c, int off, int p, double v) {
        int k = off;
        for (int i = 0; i < p; i++) {
            c[k] += v;
            k += p - i;
        }
    }

    /** {@code C *= f}. */
    static void scale(double[] c, int off, int p, double f) {
        int end = off + size(p);
        for (int k = off; k < end; k++) {
            c[k] *= f;
        }
    }

    /**
     * Re-expresses a linear filter's mean and covariance for inputs divided by {@code f}: with
     * {@code z'_j = z_j / f_j}, the weights become {@code m'_j = m_j f_j} and the covariance
     * {@code C' = F C F} ({@code F = diag(f_0..f_{d-1}, 1)}, the intercept unchanged), so that
     * {@code m'.z' = m.z} and {@code z'C'z' = z'Cz}.
     */
    static void rescaleInputs(double[] v, int mOff, int cOff, int p, double[] f, int fOff, int d) {
        for (int j = 0; j < d; j++) {
            v[mOff + j] *= f[fOff + j];
        }
        int k = cOff;
        for (int i = 0; i < p; i++) {
            double fi = i < d ? f[fOff + i] : 1.0;
            for (int j = i; j < p; j++) {
                v[k++] *= fi * (j < d ? f[fOff + j] : 1.0);
            }
        }
    }

    /**
     * {@link #capDiagonal} that also multiplies each weight by its coordinate's factor
     * {@code D_ii}: where the covariance had to be cut back to the prior, the weight is cut back in
     * the same proportion (used after {@link #rescaleInputs}, where a cap means the old units gave the
     * weight a wider prior than the new ones do).
     */
    static void capDiagonalWithMean(double[] v, int mOff, int cOff, int p, double cap, double[] scratch) {
        int k = cOff;
        boolean any = false;
        for (int i = 0; i < p; i++) {
            if (v[k] > cap) {
                any = true;
                break;
            }
            k += p - i;
        }
        if (!any) {
            return;
        }
        k = cOff;
        for (int i = 0; i < p; i++) {
            double cii = v[k];
            double f = cii > cap ? Math.sqrt(cap / cii) : 1.0;
            v[mOff + i] *= f;
            k += p - i;
        }
        capDiagonal(v, cOff, p, cap, scratch, 0);
    }

    /** {@code m . z}. */
    static double dot(double[] m, int off, double[] x, int d, boolean intercept) {
        double s0 = intercept ? m[off + d] : 0.0;
        double s1 = 0.0;
        int i = 0;
        for (; i + 1 < d; i += 2) {
            s0 += m[off + i] * x[i];
            s1 += m[off + i + 1] * x[i + 1];
        }
        if (i < d) {
            s0 += m[off + i] * x[i];
        }
        return s0 + s1;
    }

    /** {@code |z|^2}. */
    static double norm2(double[] x, int d, boolean intercept) {
        double s = intercept ? 1.0 : 0.0;
        for (int i = 0; i < d; i++) {
            s += x[i] * x[i];
        }
        return s;
    }

    /**
     * {@code start + Σ_{from <= j < d} c[row + j] x[j]}, in four partial sums (the first starting at
     * {@code start}) that break the floating-point dependency chain: one row of the upper triangle
     * against the features, the kernel of {@link #quadratic} and {@link #multiply}.
     */
    private static double rowDot(double[] c, int row, double[] x, int from, int d, double start) {
        double a0 = start;
        double a1 = 0.0;
        double a2 = 0.0;
        double a3 = 0.0;
        int j = from;
        for (; j + 3 < d; j += 4) {
            a0 += c[row + j] * x[j];
            a1 += c[row + j + 1] * x[j + 1];
            a2 += c[row + j + 2] * x[j + 2];
            a3 += c[row + j + 3] * x[j + 3];
        }
        for (; j < d; j++) {
            a0 += c[row + j] * x[j];
        }
        return (a0 + a1) + (a2 + a3);
    }

    /** {@code z' C z}, computed from the upper triangle without a temporary vector. */
    static double quadratic(double[] c, int off, double[] x, int d, boolean intercept) {
        int p = intercept ? d + 1 : d;
        double sum = 0.0;
        int k = off;
        for (int i = 0; i < d; i++) {
            double xi = x[i];
            int row = k - i;
            double acc = rowDot(c, row, x, i + 1, d, 0.0);
            if (intercept) {
                acc += c[row + d];
            }
            sum += xi * (c[k] * xi + 2.0 * acc);
            k += p - i;
        }
        if (intercept) {
            sum += c[k];
        }
        return sum;
    }

    /**
     * {@code out[outOff..outOff+p) = C z}, in two passes over the upper triangle: row dot products
     * ({@code j >= i}), then the mirrored lower part as plain axpy loops ({@code out[j] += C_ij z_i},
     * {@code j > i}), which keeps each inner loop simple enough for the JIT to unroll and vectorize.
     */
    static void multiply(double[] c, int off, double[] x, int d, boolean intercept, double[] out, int outOff) {
        int p = intercept ? d + 1 : d;
        int k = off;
        for (int i = 0; i < d; i++) {
            int row = k - i;
            double acc = rowDot(c, row, x, i + 1, d, c[k] * x[i]);
            if (intercept) {
                acc += c[row + d];
            }
            out[outOff + i] = acc;
            k += p - i;
        }
        if (intercept) {
            out[outOff + d] = c[k];
        }
        k = off;
        for (int i = 0; i < d; i++) {
            double xi = x[i];
            int row = k - i;
            for (int j = i + 1; j < p; j++) {
                out[outOff + j] += c[row + j] * xi;
            }
            k += p - i;
        }
    }

    /**
     * One scalar measurement update of a Gaussian linear model with weights at {@code m[mOff..]} and
     * covariance (already time-updated, i.e. the prior {@code R}) at {@code c[cOff..]}:
     * <pre>
     *   u = R z,  s = z'u + r,  m += u e / s,  C = R - u u' / s
     * </pre>
     * where {@code e} is the innovation {@code y - m.z} computed by the caller. {@code u} is written to
     * {@code u[0..p)}, the caller's per-thread scratch (never part of the stored state). Nothing changes,
     * and NaN is returned, when the numbers would overflow (inputs near
     * {@link io.streamlearn.learn.Inputs#MAX_ABS}).
     *
     * @return {@code s}, the innovation variance (relative to the noise when {@code r = 1}), or NaN
     */
    static double measurementUpdate(double[] v, int mOff, int cOff, double[] u, double[] x, int d,
                                    boolean intercept, double r, double e) {
        int p = intercept ? d + 1 : d;
        multiply(v, cOff, x, d, intercept, u, 0);
        double zu = dot(u, 0, x, d, intercept);
        double s = (zu > 0.0 ? zu : 0.0) + r;
        if (!(s > 0.0 && s < Double.POSITIVE_INFINITY)) {
            return Double.NaN;
        }
        double uMax = maxAbs(u, 0, p);
        double g = e / s;
        if (!(uMax * Math.abs(g) < Double.POSITIVE_INFINITY && uMax * (uMax / s) < Double.POSITIVE_INFINITY)) {
            return Double.NaN;
        }
        for (int i = 0; i < p; i++) {
            v[mOff + i] += u[i] * g;
        }
        downdate(v, cOff, p, u, 0, 1.0 / s);
        return s;
    }

    /**
     * Symmetric rank-one downdate {@code C -= u u' / s} on the upper triangle. With {@code u = R z}
     * and {@code s = z'Rz + r} this is the measurement update {@code C = R - K s K'}, {@code K = u/s},
     * i.e. the Joseph form {@code (I-Kz')R(I-Kz')' + K r K'} evaluated at the optimal gain. A diagonal
     * that round-off would push below zero is set to zero.
     */
    static void downdate(double[] c, int off, int p, double[] u, int uOff, double invS) {
        int k = off;
        for (int i = 0; i < p; i++) {
            double a = u[uOff + i] * invS;
            int row = k - i;
            for (int j = i; j < p; j++) {
                c[row + j] -= a * u[uOff + j];
            }
            if (!(c[k] >= 0.0)) {
                c[k] = 0.0;
            }
            k += p - i;
        }
    }

    /**
     * Windup guard: keeps every diagonal element at most {@code cap} by the congruence
     * {@code C <- D C D}, {@code D_ii = min(1, sqrt(cap / C_ii))}, which keeps C symmetric positive
     * semi-definite and scales each capped coordinate's correlations consistently. Uses
     * {@code scratch[sOff..sOff+p)} only when some diagonal exceeds the cap.
     *
     * @return whether anything was capped
     */
    static boolean capDiagonal(double[] c, int off, int p, double cap, double[] scratch, int sOff) {
        boolean any = false;
        int k = off;
        for (int i = 0; i < p; i++) {
            if (c[k] > cap) {
                any = true;
                break;
            }
            k += p - i;
        }
        if (!any) {
            return false;
        }
        k = off;
        for (int i = 0; i < p; i++) {
            double cii = c[k];
            scratch[sOff + i] = cii > cap ? Math.sqrt(cap / cii) : 1.0;
            k += p - i;
        }
        k = off;
        for (int i = 0; i < p; i++) {
            double fi = scratch[sOff + i];
            for (int j = i; j < p; j++) {
                c[k++] *= fi * scratch[sOff + j];
            }
            int diag = k - (p - i);
            if (c[diag] > cap) {
                c[diag] = cap; // sqrt round-off
            }
        }
        java.util.Arrays.fill(scratch, sOff, sOff + p, 0.0);
        return true;
    }

    /** Copies the diagonal into {@code out[0..p)}. */
    static void diagonalInto(double[] c, int off, int p, double[] out) {
        int k = off;
        for (int i = 0; i < p; i++) {
            out[i] = c[k];
            k += p - i;
        }
    }

    /** Whether {@code v[from..to)} are all finite. */
    static boolean finite(double[] v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Double.isFinite(v[i])) {
                return false;
            }
        }
        return true;
    }

    /** Largest {@code |v[i]|} over {@code [from, to)}. */
    static double maxAbs(double[] v, int from, int to) {
        double m = 0.0;
        for (int i = from; i < to; i++) {
            double a = Math.abs(v[i]);
            if (a > m) {
                m = a;
            }
        }
        return m;
    }

    /**
     * Drift reaction shared by the filters: multiplies the covariance at {@code cOff} by {@code factor},
     * then applies the windup cap, using {@code scratch[0..p)}. Allocation-free.
     *
     * @throws IllegalArgumentException unless {@code factor} is finite and &gt; 0
     */
    static void inflate(double[] v, int cOff, int p, double factor, double cap, double[] scratch) {
        if (!(factor > 0 && factor < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("inflate factor must be finite and > 0, got " + factor);
        }
        scale(v, cOff, p, factor);
        capDiagonal(v, cOff, p, cap, scratch, 0);
    }

    /**
     * Per-thread scratch of {@code p} doubles (the vector {@code u = R z} and the cap's factors), so
     * that the filters, shared by every key and stream thread, keep no scratch in the stored state and
     * allocate nothing per event: one array per thread and learner, created on first use.
     */
    static ThreadLocal<double[]> scratch(int p) {
        return ThreadLocal.withInitial(() -> new double[p]);
    }

    /**
     * The view every linear filter shows in {@code inspect}: {@code weights} (the first d values),
     * {@code intercept} (value d, when there is one) and {@code covarianceDiagonal}. Allocates; not
     * for the hot path. Callers may add entries to the returned (ordered, mutable) map.
     */
    static java.util.Map<String, double[]> linearView(double[] v, int d, boolean intercept, int cOff, int p) {
        java.util.Map<String, double[]> m = new java.util.LinkedHashMap<>();
        m.put("weights", java.util.Arrays.copyOfRange(v, 0, d));
        if (intercept) {
            m.put("intercept", new double[] {v[d]});
        }
        double[] diag = new double[p];
        diagonalInto(v, cOff, p, diag);
        m.put("covarianceDiagonal", diag);
        return m;
    }
}
