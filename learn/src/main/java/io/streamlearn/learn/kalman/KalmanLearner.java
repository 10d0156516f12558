package io.streamlearn.learn.kalman;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Prior;

import java.util.Map;

/**
 * The single textbook Kalman filter for linear regression whose weights drift as a random walk
 * (Kalman 1960; West and Harrison, <i>Bayesian Forecasting and Dynamic Models</i>, 2nd ed. 1997, ch. 3
 * and 4): for one key with input {@code z = [x, 1]} (or {@code z = x} without intercept),
 * <pre>
 *   w_t = w_{t-1} + eta_t,   eta_t ~ N(0, q I)         (random-walk drift, q per event of the key)
 *   y_t = z_t' w_t + eps_t,  eps_t ~ N(0, r)
 *
 *   R = C + q I                 (time update; none before the key's first event)
 *   f = m' z,  Q = z' R z + r   (prediction: mean f, standard deviation sqrt(Q))
 *   u = R z,  m += u (y - f) / Q,  C = R - u u' / Q    (measurement update)
 * </pre>
 * The prior is {@code w ~ N(0, p0 I)}.
 *
 * <p>SPEC (any of {@code q}, {@code r} selects this filter instead of the default bank):
 * {@code kalman:q=Q,r=R|auto,p0=P0[,intercept=false][,qtime=true][,r0=R0]}.
 * <ul>
 *   <li>{@code q} process-noise variance added to each weight per learned event (default 0); with
 *       {@code qtime=true}, per second of event time elapsed since the key's previous learned event.</li>
 *   <li>{@code r} observation-noise variance, or {@code auto} to learn it online with West and
 *       Harrison's unknown-variance recursion (section 4.6): {@code Q = z'Rz + S}, {@code n += 1},
 *       {@code S' = S (n + e^2/Q) / (n+1)}, {@code C = (S'/S)(R - u u'/Q)}, prior {@code S = r0}
 *       (default 1) worth one observation; the predictive is then Student-t and the reported
 *       standard deviation is {@code sqrt(Q nu/(nu-2))} with {@code nu = max(n, 3)}.</li>
 *   <li>{@code p0} prior variance of each weight (default 1); also the windup cap (below).</li>
 * </ul>
 *
 * <p>Stability: the covariance is stored as its packed upper triangle (symmetric by construction);
 * the measurement update is the symmetric rank-one form, equal to the Joseph form at the optimal
 * gain, with diagonals kept non-negative; {@code z'Rz} is floored at 0 so {@code Q >= r}. Windup:
 * a weight whose feature stays absent gains {@code q} per event without limit in the textbook
 * filter; here every diagonal of C is capped at {@code p0} ({@code p0 S / r0} with {@code r=auto})
 * after each update by the congruence
 * {@code C <- D C D} (see {@link Packed#capDiagonal}), so uncertainty never exceeds the prior. An
 * update whose numbers would overflow is skipped for the weights (the event is still counted).
 *
 * <p>State layout ({@code p = d + 1} with intercept, {@code T = p(p+1)/2}):
 * {@code [m (p), C packed (T), S, n (only with r=auto), t_last (only with qtime=true)]}: with a fixed
 * {@code r} and no {@code qtime}, {@code p + T} doubles (170 at d=16 with intercept). {@code S} is the
 * noise estimate and {@code n} its degrees of freedom; {@code t_last} is the event time of the key's
 * previous <i>learned</i> event as of the learner's last {@code learn} (not {@link
 * ModelState#lastEventTime()}, which also advances with unlabelled events and never goes back, so a
 * late label would add the wrong amount of drift). The vector {@code u = R z} is per-thread scratch,
 * created once per thread, so the learner is shared by all keys and threads and allocates nothing
 * per event after warm-up.
 *
 * <p>This is layout 1 ({@link #layout()}). Layout 0 (builds before issue #4, still read by {@link #migrate}):
 * {@code [m (p), C (T), S, n, t_last, u (p zeros)]} whatever the configuration.
 *
 * <pre>{@code
 * Learner kf = Learners.create("kalman:q=1e-4,r=0.25,p0=1", 8);
 * ModelState s = kf.newState();
 * Prediction out = new Prediction();
 * kf.predict(s, x, time, out);   // out.mean(), out.stddev()
 * kf.learn(s, x, time, y);
 * }</pre>
 */
public final class KalmanLearner implements Learner, DriftAware, PriorAware {

    private final int d;
    private final int p;
    private final boolean intercept;
    private final double q;
    private final boolean qtime;
    private final boolean autoNoise;
    private final double r;
    private final double p0;
    private final String spec;

    private final int cOff;
    private final int sOff;
    private final int nOff;
    private final int tOff;
    private final int size;
    private final int legacySize;
    private final ThreadLocal<double[]> scratch;

    /**
     * @param dimension number of features d
     * @param q         process-noise variance per weight per event (or per second with {@code qtime}), &gt;= 0
     * @param qtime     whether q is per second of event time
     * @param r         observation-noise variance &gt; 0, or NaN to learn it (then {@code r0} is the prior guess)
     * @param r0        prior guess of the noise variance when learning it, &gt; 0
     * @param p0        prior variance of each weight and covariance cap, &gt; 0
     * @param intercept whether to add a constant-1 input
     */
    public KalmanLearner(int dimension, double q, boolean qtime, double r, double r0, double p0, boolean intercept) {
        if (!(q >= 0) || !(p0 > 0) || !(Double.isNaN(r) ? r0 > 0 : r > 0)) {
            throw new IllegalArgumentException("kalman: need q >= 0, p0 > 0, r > 0 (or auto with r0 > 0)");
        }
        this.d = dimension;
        this.intercept = intercept;
        this.p = intercept ? dimension + 1 : dimension;
        this.q = q;
        this.qtime = qtime;
        this.autoNoise = Double.isNaN(r);
        this.r = autoNoise ? r0 : r;
        this.p0 = p0;
        this.cOff = p;
        int next = cOff + Packed.size(p);
        this.sOff = autoNoise ? next++ : -1;
        this.nOff = autoNoise ? next++ : -1;
        this.tOff = qtime ? next++ : -1;
        this.size = next;
        this.legacySize = 2 * p + Packed.size(p) + 3;
        this.scratch = Packed.scratch(p);
        StringBuilder b = new StringBuilder("kalman:q=").append(q).append(",r=").append(autoNoise ? "auto" : Double.toString(r));
        if (autoNoise) {
            b.append(",r0=").append(r0);
        }
        b.append(",p0=").append(p0).append(",intercept=").append(intercept).append(",qtime=").append(qtime);
        this.spec = b.toString();
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
        double[] v = s.values();
        Packed.setDiagonal(v, cOff, p, p0);
        if (autoNoise) {
            v[sOff] = r;
            v[nOff] = 1.0;
        }
        return s;
    }

    /** The observation-noise variance: learned {@code S} with {@code r=auto}, else the fixed {@code r}. */
    private double noise(double[] v) {
        return autoNoise ? v[sOff] : r;
    }

    /** Process-noise variance to add before the event at {@code time}. */
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

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        double[] v = state.values();
        double mean = Packed.dot(v, 0, x, d, intercept);
        double zr = Packed.quadratic(v, cOff, x, d, intercept);
        double inc = increment(state, v, time);
        if (inc > 0) {
            zr += inc * Packed.norm2(x, d, intercept);
        }
        double var = (zr > 0 ? zr : 0) + noise(v);
        if (autoNoise) {
            double nu = Math.max(v[nOff], 3.0);
            var *= nu / (nu - 2.0);
        }
        out.set(mean, Math.sqrt(var));
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] v = state.values();
        double inc = increment(state, v, time);
        double e = label - Packed.dot(v, 0, x, d, intercept);
        if (Double.isFinite(e)) {
            if (inc > 0) {
                Packed.addDiagonal(v, cOff, p, inc);
            }
            double[] u = scratch.get();
            double oldS = noise(v);
            double s = Packed.measurementUpdate(v, 0, cOff, u, x, d, intercept, oldS, e);
            if (Double.isNaN(s)) {
                if (inc > 0) {
                    Packed.addDiagonal(v, cOff, p, -inc);
                }
            } else if (autoNoise) {
                double n = v[nOff];
                double newS = oldS * (n + e * e / s) / (n + 1.0);
                if (newS > 0 && newS < Double.POSITIVE_INFINITY) {
                    Packed.scale(v, cOff, p, newS / oldS);
                    v[sOff] = newS;
                }
                v[nOff] = n + 1.0;
            }
            Packed.capDiagonal(v, cOff, p, cap(v), u, 0);
        }
        if (qtime) {
            v[tOff] = time;
        }
        state.recordUpdate(time);
    }

    /**
     * The windup cap of the covariance diagonal: the prior {@code p0}; with {@code r=auto} the
     * covariance is, as in West and Harrison, rescaled with the noise estimate, so the cap is the
     * prior relative to the noise, {@code p0 S / r0}.
     */
    private double cap(double[] v) {
        return autoNoise ? p0 * v[sOff] / r : p0;
    }

    /** Multiplies the covariance by {@code factor}, then applies the cap. */
    @Override
    public void inflate(ModelState state, double factor) {
        double[] v = state.values();
        Packed.inflate(v, cOff, p, factor, cap(v), scratch.get());
    }

    /** Layout 1, that of issue #4; layout 0 is the earlier one (below). */
    @Override
    public int layout() {
        return 1;
    }

    @Override
    public int unversionedLayout(int length) {
        return length == size ? 1 : length == legacySize ? 0 : -1;
    }

    /**
     * Reads layout 0, that of builds before issue #4, {@code [m, C, S, n, t_last, u (p zeros)]}, keeping
     * {@code S} and {@code n} only with {@code r=auto} (with a fixed r the stored S is r) and
     * {@code t_last} only with {@code qtime}.
     */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        int old = from + cOff + Packed.size(p);
        if (layout != 0 || length != legacySize || (!autoNoise && stored[old] != r)) {
            return false;
        }
        System.arraycopy(stored, from, into, at, cOff + Packed.size(p));
        if (autoNoise) {
            into[at + sOff] = stored[old];
            into[at + nOff] = stored[old + 1];
        }
        if (qtime) {
            into[at + tOff] = stored[old + 2];
        }
        return true;
    }

    /** {@code weights}, {@code intercept} (if any), {@code covarianceDiagonal} (length p), {@code noiseVariance}. */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] v = state.values();
        Map<String, double[]> m = Packed.linearView(v, d, intercept, cOff, p);
        m.put("noiseVariance", new double[] {noise(v)});
        if (autoNoise) {
            m.put("noiseDegreesOfFreedom", new double[] {v[nOff]});
        }
        return m;
    }

    // ---- population prior (issue #14) ----

    @Override
    public int contributionLength() {
        return p;
    }

    @Override
    public boolean contributesCovariance() {
        return true;
    }

    /** The mean {@code m}, the covariance {@code C} (label units) and the noise variance. */
    @Override
    public double contribute(ModelState state, double[] vector, double[] within) {
        double[] v = state.values();
        System.arraycopy(v, 0, vector, 0, p);
        if (within != null) {
            System.arraycopy(v, cOff, within, 0, Packed.size(p));
        }
        return noise(v);
    }

    /** {@code m} = the prior mean, {@code C} = the prior covariance + {@value Priors#FLOOR} p0, capped at p0. */
    @Override
    public void startFrom(ModelState state, Prior from) {
        if (!Priors.usableMean(from, p)) {
            return;
        }
        double[] v = state.values();
        System.arraycopy(from.mean(), 0, v, 0, p);
        Priors.covariance(v, cOff, p, from, 1.0, Priors.FLOOR * p0, p0);
    }
}
