package io.streamlearn.learn.kalman;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.InvalidInputException;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;

import java.util.Map;

/**
 * Online Bayesian logistic regression with random-walk weights: the extended Kalman filter
 * linearised at the current mean, i.e. one Newton step of the Laplace approximation per event
 * (Spiegelhalter and Lauritzen 1990; Penny and Roberts 1999, "Dynamic logistic regression"). With
 * {@code h = m'z}, {@code mu = sigmoid(h)}, {@code g = mu (1 - mu)}:
 * <pre>
 *   R = C + q I                                   (none before the key's first event)
 *   u = R z,  m += u (y - mu) / (1 + g z'u),  C = R - g u u' / (1 + g z'u)
 * </pre>
 * which is the Kalman update with observation matrix {@code g z'} and noise {@code g}. The
 * prediction is MacKay's probit approximation of the predictive probability,
 * {@code p = sigmoid(h / sqrt(1 + pi z'Rz / 8))}; its {@code stddev} is the Bernoulli
 * {@code sqrt(p (1 - p))}. Labels are in [0, 1] (0/1, or soft labels).
 *
 * <p>SPEC: {@code kalman:loss=logistic[,q=0,p0=1,intercept=true,qtime=false]}. Same guards as
 * {@link KalmanLearner}: packed symmetric covariance, diagonals kept non-negative, windup cap at
 * {@code p0}, {@code g >= 1e-12}; allocation-free (per-thread scratch for {@code u}). State layout
 * {@code [m (p), C (p(p+1)/2), t_last (only with qtime=true)]}; the earlier layout (builds before
 * issue #4, read by {@link #migrate}) was {@code [m, C, t_last, u (p zeros)]}.
 *
 * <pre>{@code
 * Learner clf = Learners.create("kalman:loss=logistic,q=1e-4,p0=1", 8);
 * }</pre>
 */
public final class KalmanLogistic implements Learner, DriftAware {

    private static final double MIN_CURVATURE = 1e-12;

    private final int d;
    private final int p;
    private final boolean intercept;
    private final double q;
    private final boolean qtime;
    private final double p0;
    private final String spec;
    private final int cOff;
    private final int tOff;
    private final int size;
    private final ThreadLocal<double[]> scratch;

    public KalmanLogistic(int dimension, double q, boolean qtime, double p0, boolean intercept) {
        if (!(q >= 0) || !(p0 > 0)) {
            throw new IllegalArgumentException("kalman: need q >= 0 and p0 > 0");
        }
        this.d = dimension;
        this.intercept = intercept;
        this.p = intercept ? dimension + 1 : dimension;
        this.q = q;
        this.qtime = qtime;
        this.p0 = p0;
        this.cOff = p;
        this.tOff = qtime ? cOff + Packed.size(p) : -1;
        this.size = cOff + Packed.size(p) + (qtime ? 1 : 0);
        this.scratch = Packed.scratch(p);
        this.spec = "kalman:loss=logistic,q=" + q + ",p0=" + p0 + ",intercept=" + intercept + ",qtime=" + qtime;
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
    public boolean hasUncertainty() {
        return true;
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(size);
        Packed.setDiagonal(s.values(), cOff, p, p0);
        return s;
    }

    private double increment(ModelState state, double[] v, long time) {
        if (state.updates() == 0 || q == 0.0) {
            return 0.0;
        }
        if (!qtime) {
            return q;
        }
        double dt = (time - v[tOff]) / 1000.0;
        return dt > 0 ? q * dt : 0.0;
    }

    static double sigmoid(double h) {
        return h >= 0 ? 1.0 / (1.0 + Math.exp(-h)) : Math.exp(h) / (1.0 + Math.exp(h));
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        double[] v = state.values();
        double h = Packed.dot(v, 0, x, d, intercept);
        double var = Packed.quadratic(v, cOff, x, d, intercept);
        double inc = increment(state, v, time);
        if (inc > 0) {
            var += inc * Packed.norm2(x, d, intercept);
        }
        double prob = sigmoid(h / Math.sqrt(1.0 + Math.PI * (var > 0 ? var : 0.0) / 8.0));
        out.set(prob, Math.sqrt(prob * (1.0 - prob)));
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        if (!(label >= 0.0 && label <= 1.0)) {
            throw new InvalidInputException("label-out-of-range", "a logistic label must be in [0, 1], got " + label);
        }
        double[] v = state.values();
        double inc = increment(state, v, time);
        double h = Packed.dot(v, 0, x, d, intercept);
        if (Double.isFinite(h)) {
            double mu = sigmoid(h);
            double g = Math.max(mu * (1.0 - mu), MIN_CURVATURE);
            if (inc > 0) {
                Packed.addDiagonal(v, cOff, p, inc);
            }
            // Kalman form with noise 1/g and innovation (y - mu)/g: m += u (y-mu)/(1 + g z'u), C -= g uu'/(1 + g z'u)
            double[] u = scratch.get();
            double s = Packed.measurementUpdate(v, 0, cOff, u, x, d, intercept, 1.0 / g, (label - mu) / g);
            if (Double.isNaN(s) && inc > 0) {
                Packed.addDiagonal(v, cOff, p, -inc);
            }
            Packed.capDiagonal(v, cOff, p, p0, u, 0);
        }
        if (qtime) {
            v[tOff] = time;
        }
        state.recordUpdate(time);
    }

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
        int t = cOff + Packed.size(p);
        return length == size ? 1 : length == t + 1 + p ? 0 : -1;
    }

    /** Reads layout 0, that of builds before issue #4, {@code [m, C, t_last, u (p zeros)]}. */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        int t = cOff + Packed.size(p);
        if (layout != 0 || length != t + 1 + p) {
            return false;
        }
        System.arraycopy(stored, from, into, at, t);
        if (qtime) {
            into[at + tOff] = stored[from + t];
        }
        return true;
    }

    /** {@code weights}, {@code intercept} (if any), {@code covarianceDiagonal}. */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] v = state.values();
        Map<String, double[]> m = Packed.linearView(v, d, intercept, cOff, p);
        return m;
    }
}
