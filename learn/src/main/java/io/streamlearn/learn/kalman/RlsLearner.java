package io.streamlearn.learn.kalman;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Prior;

import java.util.Map;

/**
 * Recursive least squares with exponential forgetting (Haykin, <i>Adaptive Filter Theory</i>, 4th ed.,
 * ch. 9, eqs. 9.25-9.30): it minimises {@code sum_i lambda^{t-i} (y_i - w'z_i)^2 + lambda^t |w|^2 / p0}.
 * Per event, with {@code R = C / lambda}:
 * <pre>
 *   u = R z,  s = 1 + z'u,  k = u / s
 *   w += k (y - w'z),   C = R - u u' / s
 * </pre>
 * which is Haykin's {@code k = P z / (lambda + z'Pz)}, {@code P = (P - k z'P) / lambda}. With
 * {@code lambda = 1} and a large {@code p0} the weights equal batch least squares (exactly, ridge
 * {@code |w|^2 / p0}).
 *
 * <p>Windup guard: forgetting divides C by lambda every event, so a direction the data never excites
 * (a feature that stays absent) would grow as {@code lambda^-t} until it overflows. Here the
 * covariance is <b>capped</b>: after each update every diagonal of C is kept at most {@code p0} by the
 * congruence {@code C <- D C D} (see {@link Packed#capDiagonal}), so the unexcited directions settle
 * at the prior instead of blowing up; directions the data excites are far below the cap and behave
 * exactly as textbook RLS. Packed upper-triangle storage keeps C exactly symmetric.
 *
 * <p>SPEC: {@code rls[:lambda=0.99,p0=100,intercept=true]}. No predictive uncertainty.
 * State layout: {@code [w (p), C packed (p(p+1)/2)]}, {@code p = d+1} with intercept; the vector
 * {@code u = R z} is per-thread scratch (one array per thread), so nothing is allocated per event.
 * Earlier layout (builds before issue #4, read by {@link #migrate}): the same followed by {@code p}
 * stored scratch zeros.
 *
 * <pre>{@code
 * Learner rls = Learners.create("rls:lambda=0.99,p0=100", 8);
 * }</pre>
 */
public final class RlsLearner implements Learner, DriftAware, Standardized.Rescalable, PriorAware {

    private final int d;
    private final int p;
    private final boolean intercept;
    private final double lambda;
    private final double p0;
    private final String spec;
    private final int cOff;
    private final int size;
    private final ThreadLocal<double[]> scratch;

    /**
     * @param dimension number of features
     * @param lambda    forgetting factor in (0, 1]
     * @param p0        prior variance (inverse ridge) and covariance cap, &gt; 0
     * @param intercept whether to add a constant-1 input
     */
    public RlsLearner(int dimension, double lambda, double p0, boolean intercept) {
        this(dimension, lambda, p0, intercept, false);
    }

    /** As above; {@code unscaled}: used on raw inputs ({@code scale=none}), SPEC ending {@code ,scale=none}. */
    RlsLearner(int dimension, double lambda, double p0, boolean intercept, boolean unscaled) {
        if (!(lambda > 0 && lambda <= 1) || !(p0 > 0)) {
            throw new IllegalArgumentException("rls: need 0 < lambda <= 1 and p0 > 0");
        }
        this.d = dimension;
        this.intercept = intercept;
        this.p = intercept ? dimension + 1 : dimension;
        this.lambda = lambda;
        this.p0 = p0;
        this.cOff = p;
        this.size = cOff + Packed.size(p);
        this.scratch = Packed.scratch(p);
        this.spec = "rls:lambda=" + lambda + ",p0=" + p0 + ",intercept=" + intercept + (unscaled ? ",scale=none" : "");
    }

    /**
     * Factory for {@code Learners}: reads {@code lambda} (0.99), {@code p0} (100), {@code intercept}
     * (true) and {@code scale} ({@code rms}, the default: the inputs are {@link Standardized}; or
     * {@code none}).
     */
    public static Learner fromSpec(ModelSpec.Params params, int dimension) {
        double lambda = params.positive("lambda", 0.99);
        if (lambda > 1) {
            throw new IllegalArgumentException("rls: lambda must be in (0, 1], got " + lambda);
        }
        boolean unscaled = KalmanLearners.unscaled(params);
        RlsLearner rls = new RlsLearner(dimension, lambda, params.positive("p0", 100.0), params.bool("intercept", true), unscaled);
        return unscaled ? rls : new Standardized(rls);
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public int dimension() {
        return d;
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(size);
        Packed.setDiagonal(s.values(), cOff, p, p0);
        return s;
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        out.set(Packed.dot(state.values(), 0, x, d, intercept));
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] v = state.values();
        double e = label - Packed.dot(v, 0, x, d, intercept);
        if (Double.isFinite(e)) {
            if (lambda != 1.0) {
                Packed.scale(v, cOff, p, 1.0 / lambda);
            }
            double[] u = scratch.get();
            double s = Packed.measurementUpdate(v, 0, cOff, u, x, d, intercept, 1.0, e);
            if (Double.isNaN(s) && lambda != 1.0) {
                Packed.scale(v, cOff, p, lambda);
            }
            Packed.capDiagonal(v, cOff, p, p0, u, 0);
        }
        state.recordUpdate(time);
    }

    /** Re-expresses the weights for inputs divided by {@code f} (see {@link Packed#rescaleInputs}), then caps. */
    @Override
    public void rescaleInputs(ModelState state, double[] f, int fOff) {
        double[] v = state.values();
        Packed.rescaleInputs(v, 0, cOff, p, f, fOff, d);
        Packed.capDiagonalWithMean(v, 0, cOff, p, p0, scratch.get());
    }

    /** Multiplies the covariance by {@code factor}, then applies the cap. */
    @Override
    public void inflate(ModelState state, double factor) {
        double[] v = state.values();
        Packed.inflate(v, cOff, p, factor, p0, scratch.get());
    }

    /** Layout 1, that of issue #4; layout 0 is the earlier one (below). */
    @Override
    public int layout() {
        return 1;
    }

    @Override
    public int unversionedLayout(int length) {
        return length == size ? 1 : length == size + p ? 0 : -1;
    }

    /** Reads layout 0, that of builds before issue #4: {@code [w, C, u (p zeros)]}. */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        if (layout != 0 || length != size + p) {
            return false;
        }
        System.arraycopy(stored, from, into, at, size);
        return true;
    }

    /** {@code weights}, {@code intercept} (if any), {@code covarianceDiagonal} (length p, unit noise). */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] v = state.values();
        Map<String, double[]> m = Packed.linearView(v, d, intercept, cOff, p);
        return m;
    }

    // ---- population prior (issue #14) ----

    @Override
    public int contributionLength() {
        return p;
    }

    /** The weights; RLS has no noise model, so its matrix is not a covariance a prior could use. */
    @Override
    public double contribute(ModelState state, double[] vector, double[] within) {
        System.arraycopy(state.values(), 0, vector, 0, p);
        return Double.NaN;
    }

    /** The weights start at the prior mean; the matrix keeps {@code p0 I}. */
    @Override
    public void startFrom(ModelState state, Prior from) {
        if (Priors.usableMean(from, p)) {
            System.arraycopy(from.mean(), 0, state.values(), 0, p);
        }
    }
}
