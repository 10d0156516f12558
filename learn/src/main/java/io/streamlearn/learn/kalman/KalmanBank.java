package io.streamlearn.learn.kalman;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Prior;
import io.streamlearn.learn.Storage;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The self-tuning Kalman bank, the default {@code kalman}: a few random-walk regression filters that
 * differ only in the ratio {@code delta} of process noise to observation noise, each learning the
 * observation variance online, combined by Bayesian model averaging.
 *
 * <p><b>Member filter</b> (West and Harrison, <i>Bayesian Forecasting and Dynamic Models</i>, 2nd ed.
 * 1997, section 4.6 "unknown observational variance", with {@code W_t = V delta I}): with the
 * unknown variance {@code V ~ IG(n/2, nS/2)} and the weights {@code w | V ~ N(m, V C)}, where C is
 * kept <i>relative</i> to V,
 * <pre>
 *   R = C + delta I                           (none before the key's first event)
 *   f = m' z,  Q = z' R z + 1                 predictive: y ~ t_n(f, S Q)
 *   e = y - f,  u = R z
 *   m += u e / Q,  C = R - u u' / Q
 *   n' = n + 1,  S' = (n S + e^2 / Q) / n'    (d_t = d_{t-1} + S e^2/Q_abs,  S = d/n)
 * </pre>
 * with prior {@code w ~ N(0, V prior I)} and the reference prior on V ({@code n0 = 0, d0 = 0}), so a
 * key's first event has no scale ({@code stddev} is NaN then). The weights' update does not involve
 * S at all, and S, the predictive scale and the model weights all scale with the label squared:
 * nothing depends on the units of the label. With {@code v=V} the variance is known instead, and
 * each member is the textbook filter with {@code q = delta V}, {@code r = V}, {@code p0 = prior V}.
 *
 * <p><b>Model averaging.</b> Member k keeps a log-weight {@code l_k}, the accumulated one-step
 * predictive log density of the labels it saw (Student-t with {@code n} degrees of freedom; Gaussian
 * with known variance; terms equal across members are dropped):
 * {@code l_k = alpha l_k + log p_k(y_t | y_{1..t-1})}. With {@code alpha = 1} and equal prior model
 * probabilities, {@code exp(l_k) / sum exp(l)} is the exact posterior probability of member k given
 * the key's labels (after the first, which carries no scale information under the reference prior);
 * {@code alpha < 1} forgets old evidence so the weights follow regime changes. Log-weights are
 * shifted so the largest is 0 after each update and floored at {@value #LOG_WEIGHT_FLOOR}, so they
 * never overflow and a member can always come back. The prediction is the weighted mean of the
 * members' means, its variance the mixture's (law of total variance:
 * {@code sum w_k (var_k + (f_k - f)^2)}), each member's variance being {@code S Q nu/(nu-2)} with
 * {@code nu = max(n, 3)} (the exact Student-t variance from the fourth event on).
 *
 * <p><b>Guards</b> for every member: packed upper-triangle covariance, symmetric rank-one update
 * with diagonals kept non-negative, {@code Q >= 1}, and the windup cap {@code C_ii <= prior} by the
 * congruence {@code C <- D C D}: a feature absent for ever cannot make any covariance grow without
 * bound; overflowing updates are skipped.
 *
 * <p><b>Learned drift per coordinate</b> ({@code shape=RATE}, off by default; issue #13). The process
 * noise of member k becomes {@code delta_k G}, {@code G = diag(exp(a_0) .. exp(a_{p-1}))}, with one
 * log multiplier {@code a_j} per weight (the intercept's last), shared by the members and learned
 * online by a stochastic gradient step on the bank's one-step predictive log density:
 * <pre>
 *   psi_k = (n+1) r_k / (n + r_k) - 1,   r_k = e_k^2 / (S_k Q_k)     (r_k - 1 with a known variance)
 *   a_j  += RATE sum_k pi_k [delta_k &gt; 0] psi_k (R_k z)_j z_j / (2 Q_k)
 * </pre>
 * where {@code pi_k} are the members' probabilities after the event. {@code psi_k} is the derivative
 * of member k's Student-t log density with respect to the log of its predictive scale: positive when
 * the error was larger than the member predicted. {@code (R_k z)_j z_j / Q_k} (these sum to the
 * share of {@code Q_k} that is weight uncertainty) is the derivative of that scale when coordinate
 * j's uncertainty is stretched, {@code R <- D R D} with {@code D_jj = e^(b/2)}: a coordinate's drift
 * sets its accumulated uncertainty, so this is the step taken, rather than the one-step derivative
 * {@code delta_k g_j z_j^2 / Q_k}, smaller by the ratio of one event's drift to the accumulated
 * uncertainty (measured: Beijing 246.6 with it, 242.2 with the diagonal {@code R_jj z_j^2}, 234.8 with
 * {@code (R z)_j z_j}). So coordinates whose errors exceed the prediction when their input is large
 * gain drift and the others lose it; the members' ratios still set the overall level (the
 * multipliers are not centred: centring them measured 334 on Beijing). Each
 * {@code a_j} stays within {@code ±ln 1000}, and the windup cap of coordinate j becomes
 * {@code prior max(1, g_j)}. Everything is relative to the standardized inputs, so the predictions
 * stay free of the features' units. Cost: {@code O(M p)} per event more, {@code p} float32 values
 * more in the state. Measured in {@code bench/results/real-data.md}.
 *
 * <p>SPEC: {@code kalman[:bank=0/1e-3/1e-2/1e-1,prior=P,alpha=A,intercept=true|false,v=V,qtime=true,scale=rms|none,shape=RATE]}.
 * With {@code scale=rms}, the default, {@code Learners} wraps the bank in {@link Standardized}: it sees
 * each feature divided by a reference scale that follows the feature's running RMS in the key, so the
 * prior and the process noise are relative to each weight's own scale and predictions do not depend
 * on the features' units (issue #13). {@code scale=none} gives the bank below on raw inputs.
 *
 * <p>State layout ({@code p = d+1} with intercept, {@code T = p(p+1)/2}, M members):
 * {@code [n, t_last, M x (m (p), C (T), S, l), a (p, only with shape=)]} where {@code n} and every {@code S} are stored only
 * when the variance is learned (no {@code v=}) and {@code t_last} (the event time of the key's
 * previous learned event) only with {@code qtime=true}. So the default is {@code 1 + M (p + T + 2)}
 * values: with M = 4 and intercept, 225 at d=8 and 689 at d=16, about 4x the single filter.
 * Since layout 2 (issue #17) every member's values are kept float32 between events ({@link #storage}:
 * computed in float64, rounded at the end of each update), so a state codec stores them in 4 bytes
 * and {@code n} as a varint: the bank's values take 897 bytes at d=8 (1,800 as doubles) and 2,753 at
 * d=16. The vector {@code u = R z} is per-thread scratch (one array per thread
 * and learner): predict and learn allocate nothing per event. Cost per event: M times the single
 * filter's {@code O(p^2)}. Earlier layout (builds before issue #4, read by {@link #migrate}):
 * {@code [n, t_last, M x (m, C, S, l), u (p zeros)]} whatever the configuration.
 *
 * <pre>{@code
 * Learner bank = Learners.create("kalman", 8);            // the defaults
 * Learner custom = Learners.create("kalman:bank=0/1e-2,prior=4,alpha=0.999", 8);
 * }</pre>
 */
public final class KalmanBank implements Learner, DriftAware, Standardized.Rescalable, PriorAware {

    /** Floor of the normalised log-weights: a member never gets less than e^-500 of the others. */
    static final double LOG_WEIGHT_FLOOR = -500.0;

    private final int d;
    private final int p;
    private final boolean intercept;
    private final double[] ratios;
    private final double prior;
    private final double alpha;
    private final double knownVariance;
    private final boolean qtime;
    /** Step of the per-coordinate log drift multipliers, 0 for isotropic drift (no multipliers stored). */
    private final double shapeRate;
    private final String spec;

    private final int members;
    private final int stride;
    private final int cRel;
    private final int sRel;
    private final int lRel;
    private final int size;
    private final int legacyStride;
    private final int legacySize;
    private final boolean known;
    /** Slot of n (-1 with a known variance), of t_last (-1 without qtime), of the first member. */
    private final int nSlot;
    private final int tSlot;
    private final int first;
    /** Slot of the first of the p log drift multipliers (-1 without them). */
    private final int aSlot;
    private final ThreadLocal<double[]> scratch;
    /** Per thread: drift multipliers (p), then per member its (R z)_j z_j (M p), then its score (M). */
    private final ThreadLocal<double[]> shapeWork;
    /**
     * Per-thread scratch of {@link #predict}: each member's mean {@code m_k' z} and weight
     * {@code exp(l_k)}, computed once and used by both passes.
     */
    private final ThreadLocal<double[]> memberScratch;
    /** Layout 2's storage: n a count, every member's values float32, t_last a double. */
    private final Storage storage;

    /**
     * @param dimension     number of features d
     * @param ratios        process-to-observation noise variance ratio of each member, each &gt;= 0
     * @param prior         prior variance of each weight relative to the observation variance, &gt; 0
     * @param alpha         forgetting factor of the log-weights, in (0, 1]
     * @param knownVariance the observation variance if known, or NaN to learn it
     * @param intercept     whether to add a constant-1 input
     * @param qtime         whether the ratios are per second of event time rather than per event
     */
    public KalmanBank(int dimension, double[] ratios, double prior, double alpha, double knownVariance,
                      boolean intercept, boolean qtime) {
        this(dimension, ratios, prior, alpha, knownVariance, intercept, qtime, false, 0.0);
    }

    /**
     * As above; {@code unscaled} marks the bank used on raw inputs ({@code scale=none}) where the
     * default wraps it in {@link Standardized}: its SPEC then ends with {@code ,scale=none}.
     * {@code shapeRate} &gt; 0 learns a drift multiplier per coordinate with that step ({@code shape=});
     * 0 keeps the drift isotropic.
     */
    KalmanBank(int dimension, double[] ratios, double prior, double alpha, double knownVariance,
               boolean intercept, boolean qtime, boolean unscaled, double shapeRate) {
        if (ratios.length == 0) {
            throw new IllegalArgumentException("kalman: the bank needs at least one member");
        }
        for (double r : ratios) {
            if (!(r >= 0 && r < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("kalman: bank ratios must be finite and >= 0, got " + r);
            }
        }
        if (!(prior > 0) || !(alpha > 0 && alpha <= 1) || !(Double.isNaN(knownVariance) || knownVariance > 0)) {
            throw new IllegalArgumentException("kalman: need prior > 0, 0 < alpha <= 1, v > 0");
        }
        if (!(shapeRate >= 0 && shapeRate < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("kalman: shape must be a finite rate > 0, got " + shapeRate);
        }
        this.d = dimension;
        this.intercept = intercept;
        this.p = intercept ? dimension + 1 : dimension;
        this.ratios = ratios.clone();
        this.prior = prior;
        this.alpha = alpha;
        this.knownVariance = knownVariance;
        this.qtime = qtime;
        this.shapeRate = shapeRate;
        this.members = ratios.length;
        this.known = !Double.isNaN(knownVariance);
        int header = 0;
        this.nSlot = known ? -1 : header++;
        this.tSlot = qtime ? header++ : -1;
        this.first = header;
        this.cRel = p;
        this.sRel = known ? -1 : cRel + Packed.size(p);
        this.lRel = cRel + Packed.size(p) + (known ? 0 : 1);
        this.stride = lRel + 1;
        this.aSlot = shapeRate > 0 ? first + members * stride : -1;
        this.size = first + members * stride + (shapeRate > 0 ? p : 0);
        this.legacyStride = p + Packed.size(p) + 2;
        this.legacySize = 2 + members * legacyStride + p;
        this.scratch = Packed.scratch(p);
        this.shapeWork = Packed.scratch(p + members * p + members);
        this.memberScratch = Packed.scratch(2 * members);
        Storage.Builder st = Storage.builder().counts(known ? 0 : 1).doubles(qtime ? 1 : 0);
        for (int k = 0; k < members; k++) {
            st.floats(stride);
        }
        st.floats(shapeRate > 0 ? p : 0);
        this.storage = st.build();
        StringBuilder b = new StringBuilder("kalman:bank=");
        for (int k = 0; k < members; k++) {
            b.append(k == 0 ? "" : "/").append(ratios[k]);
        }
        b.append(",prior=").append(prior).append(",alpha=").append(alpha).append(",intercept=").append(intercept);
        if (!Double.isNaN(knownVariance)) {
            b.append(",v=").append(knownVariance);
        }
        if (qtime) {
            b.append(",qtime=true");
        }
        if (shapeRate > 0) {
            b.append(",shape=").append(shapeRate);
        }
        if (unscaled) {
            b.append(",scale=none");
        }
        this.spec = b.toString();
    }

    /**
     * Takes over a state of another bank {@code earlier} with the same inputs (dimension, intercept,
     * known or learned variance, {@code qtime}) and other members or drift multipliers, e.g. the
     * isotropic four-member default when a SPEC moves to {@code bank=0/1e-2/1e-1,shape=0.03}. Each
     * member takes the values (weights, covariance, variance estimate, log-weight) of the earlier member
     * with the same ratio, or else the nearest on a log scale; the log-weights are then shifted so the
     * largest is 0 again (a dropped member's probability goes to the others in proportion to theirs);
     * {@code n} and {@code t_last} carry over; drift multipliers carry over if the earlier bank had them,
     * else start at 1. So a key keeps its weights, their uncertainty and its noise level. Values are
     * rounded as this bank stores them.
     */
    @Override
    public boolean adopt(Learner earlier, double[] old, int from, double[] into, int at) {
        if (!(earlier instanceof KalmanBank f) || f.d != d || f.intercept != intercept || f.known != known
                || f.qtime != qtime || (known && f.knownVariance != knownVariance)) {
            return false;
        }
        if (!known) {
            into[at + nSlot] = old[from + f.nSlot];
        }
        if (qtime) {
            into[at + tSlot] = old[from + f.tSlot];
        }
        double maxL = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < members; k++) {
            int j = f.nearest(ratios[k]);
            int base = at + first + k * stride;
            System.arraycopy(old, from + f.first + j * f.stride, into, base, stride);
            maxL = Math.max(maxL, into[base + lRel]);
        }
        for (int k = 0; k < members; k++) {
            int l = at + first + k * stride + lRel;
            double shifted = into[l] - maxL;
            into[l] = shifted > LOG_WEIGHT_FLOOR ? shifted : LOG_WEIGHT_FLOOR;
        }
        if (aSlot >= 0) {
            if (f.aSlot >= 0) {
                System.arraycopy(old, from + f.aSlot, into, at + aSlot, p);
            } else {
                Arrays.fill(into, at + aSlot, at + aSlot + p, 0.0);
            }
        }
        storage.round(into, at);
        return true;
    }

    /** The member whose ratio is {@code ratio}, or else the nearest on a log scale (0 nearest the smallest). */
    private int nearest(double ratio) {
        int best = 0;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int k = 0; k < members; k++) {
            double distance = ratio == ratios[k] ? -1.0
                    : ratio == 0 || ratios[k] == 0 ? Math.abs(Math.log1p(ratio) - Math.log1p(ratios[k])) + 1e3
                    : Math.abs(Math.log(ratio / ratios[k]));
            if (distance < bestDistance) {
                best = k;
                bestDistance = distance;
            }
        }
        return best;
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

    /** Number of members. */
    public int members() {
        return members;
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(size);
        double[] v = s.values();
        for (int k = 0; k < members; k++) {
            Packed.setDiagonal(v, first + k * stride + cRel, p, prior);
        }
        storage.round(v, 0);
        return s;
    }

    /** Member k's observation-variance estimate S (the known variance with {@code v=}). */
    private double noise(double[] v, int base) {
        return known ? knownVariance : v[base + sRel];
    }

    /** Time factor of the process noise before the event at {@code time}: 0 before the first update. */
    private double steps(ModelState state, double[] v, long time) {
        if (state.updates() == 0) {
            return 0.0;
        }
        if (!qtime) {
            return 1.0;
        }
        double dt = (time - v[tSlot]) / 1000.0;
        return dt > 0 ? dt : 0.0;
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        double[] v = state.values();
        double n = known ? 0.0 : v[nSlot];
        // pass 1: weights and mixture mean (O(p) per member); each member's mean and weight are kept
        // for pass 2
        double[] mw = memberScratch.get();
        double total = 0.0;
        double mean = 0.0;
        for (int k = 0; k < members; k++) {
            int base = first + k * stride;
            double w = Math.exp(v[base + lRel]);
            double f = Packed.dot(v, base, x, d, intercept);
            mw[k] = f;
            mw[members + k] = w;
            total += w;
            mean += w * f;
        }
        mean /= total;
        if (!known && !(n > 0)) {
            out.set(mean, Double.NaN);
            return;
        }
        // pass 2: mixture variance (O(p^2) per member: the quadratic form of each member's own C)
        double steps = steps(state, v, time);
        double z2 = steps > 0 ? driftNorm(v, x) : 0.0;
        double nu = Math.max(n, 3.0);
        double tFactor = known ? 1.0 : nu / (nu - 2.0);
        double var = 0.0;
        for (int k = 0; k < members; k++) {
            int base = first + k * stride;
            double w = mw[members + k] / total;
            double zr = Packed.quadratic(v, base + cRel, x, d, intercept) + ratios[k] * steps * z2;
            double memberVar = ((zr > 0 ? zr : 0.0) + 1.0) * noise(v, base) * tFactor;
            double dev = mw[k] - mean;
            var += w * (memberVar + dev * dev);
        }
        out.set(mean, Math.sqrt(var));
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] v = state.values();
        double n = known ? 0.0 : v[nSlot];
        double steps = steps(state, v, time);
        double[] u = scratch.get();
        double[] g = null;
        if (aSlot >= 0) {
            g = shapeWork.get();
            multipliers(v, g);
            java.util.Arrays.fill(g, p + members * p, p + members * p + members, 0.0);
        }
        double maxL = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < members; k++) {
            int base = first + k * stride;
            int cOff = base + cRel;
            double e = label - Packed.dot(v, base, x, d, intercept);
            double ll = 0.0;
            if (Double.isFinite(e)) {
                double inc = ratios[k] * steps;
                if (inc > 0) {
                    addDrift(v, cOff, inc, g);
                }
                double s = Packed.measurementUpdate(v, base, cOff, u, x, d, intercept, 1.0, e);
                if (Double.isNaN(s)) {
                    if (inc > 0) {
                        addDrift(v, cOff, -inc, g);
                    }
                } else {
                    double sv = noise(v, base);
                    double e2q = e * e / s;
                    if (g != null && ratios[k] > 0 && sv > 0) {
                        sensitivity(u, x, g, p + k * p);
                        double r = e2q / sv;
                        double psi = known ? r - 1.0 : n > 0 ? (n + 1.0) * r / (n + r) - 1.0 : 0.0;
                        g[p + members * p + k] = 0.5 * psi / s;
                    }
                    if (known) {
                        ll = -0.5 * Math.log(s) - 0.5 * e2q / sv;
                    } else {
                        if (n > 0 && sv > 0) {
                            ll = -0.5 * Math.log(sv * s) - 0.5 * (n + 1.0) * Math.log1p(e2q / (n * sv));
                        }
                        double next = (n * sv + e2q) / (n + 1.0);
                        if (next < Double.POSITIVE_INFINITY) {
                            v[base + sRel] = next;
                        }
                    }
                    if (g != null) {
                        capDrift(v, base, cOff, g, u, false);
                    } else {
                        Packed.capDiagonal(v, cOff, p, prior, u, 0);
                    }
                }
            }
            if (!(ll >= -1e6)) {
                ll = -1e6;
            } else if (ll > 1e6) {
                ll = 1e6;
            }
            double l = alpha * v[base + lRel] + ll;
            v[base + lRel] = l;
            if (l > maxL) {
                maxL = l;
            }
        }
        for (int k = 0; k < members; k++) {
            int at = first + k * stride + lRel;
            double l = v[at] - maxL;
            v[at] = l > LOG_WEIGHT_FLOOR ? l : LOG_WEIGHT_FLOOR;
        }
        if (g != null && steps > 0) {
            learnShape(v, g);
        }
        if (!known) {
            v[nSlot] = n + 1.0;
        }
        if (qtime) {
            v[tSlot] = time;
        }
        storage.round(v, 0);
        state.recordUpdate(time);
    }

    /** Limit of each log drift multiplier: the drift of a coordinate stays within 1e-3 to 1e3 times the member's. */
    static final double SHAPE_LIMIT = Math.log(1e3);

    /** {@code z' G z}: {@code |z|^2} weighted by the drift multipliers ({@code |z|^2} without them). */
    private double driftNorm(double[] v, double[] x) {
        if (aSlot < 0) {
            return Packed.norm2(x, d, intercept);
        }
        double s = intercept ? Math.exp(v[aSlot + d]) : 0.0;
        for (int j = 0; j < d; j++) {
            s += Math.exp(v[aSlot + j]) * x[j] * x[j];
        }
        return s;
    }

    /**
     * The windup cap with drift multipliers: coordinate j's diagonal at most {@code prior max(1, g_j)}
     * (a coordinate that drifts faster than the member's ratio may be as uncertain as its drift makes
     * it), by the congruence {@code C <- D C D} of {@link Packed#capDiagonal}; {@code withMean} also
     * multiplies each weight by its {@code D_jj}, as {@link Packed#capDiagonalWithMean} does. Uses
     * {@code f[0..p)} as scratch.
     */
    private void capDrift(double[] v, int mOff, int cOff, double[] g, double[] f, boolean withMean) {
        boolean any = false;
        int k = cOff;
        for (int i = 0; i < p; i++) {
            double cap = g[i] > 1.0 ? prior * g[i] : prior;
            double cii = v[k];
            f[i] = cii > cap ? Math.sqrt(cap / cii) : 1.0;
            any |= cii > cap;
            k += p - i;
        }
        if (!any) {
            return;
        }
        k = cOff;
        for (int i = 0; i < p; i++) {
            double fi = f[i];
            if (withMean) {
                v[mOff + i] *= fi;
            }
            for (int j = i; j < p; j++) {
                v[k++] *= fi * f[j];
            }
        }
    }

    /** The drift multipliers {@code exp(a_j)} into {@code g[0..p)}. */
    private void multipliers(double[] v, double[] g) {
        for (int j = 0; j < p; j++) {
            g[j] = Math.exp(v[aSlot + j]);
        }
    }

    /** {@code C += inc G} ({@code inc I} without multipliers). */
    private void addDrift(double[] v, int cOff, double inc, double[] g) {
        if (g == null) {
            Packed.addDiagonal(v, cOff, p, inc);
            return;
        }
        int at = cOff;
        for (int i = 0; i < p; i++) {
            v[at] += inc * g[i];
            at += p - i;
        }
    }

    /**
     * Each coordinate's part of the prior predictive variance, {@code (R z)_j z_j} (they sum to
     * {@code z'Rz}), into {@code w[to..to+p)}, from {@code u = R z}.
     */
    private void sensitivity(double[] u, double[] x, double[] w, int to) {
        for (int i = 0; i < d; i++) {
            w[to + i] = u[i] * x[i];
        }
        if (intercept) {
            w[to + d] = u[d];
        }
    }

    /** One gradient step on the log drift multipliers, weighted by the members' posterior probabilities. */
    private void learnShape(double[] v, double[] g) {
        double total = 0.0;
        for (int k = 0; k < members; k++) {
            total += Math.exp(v[first + k * stride + lRel]);
        }
        for (int j = 0; j < p; j++) {
            double grad = 0.0;
            for (int k = 0; k < members; k++) {
                double score = g[p + members * p + k];
                if (score != 0.0) {
                    grad += Math.exp(v[first + k * stride + lRel]) / total * score * g[p + k * p + j];
                }
            }
            double a = v[aSlot + j] + shapeRate * grad;
            v[aSlot + j] = a > SHAPE_LIMIT ? SHAPE_LIMIT : a < -SHAPE_LIMIT ? -SHAPE_LIMIT : a;
        }
    }

    /** Re-expresses every member for inputs divided by {@code f} (see {@link Packed#rescaleInputs}), then caps. */
    @Override
    public void rescaleInputs(ModelState state, double[] f, int fOff) {
        double[] v = state.values();
        double[] u = scratch.get();
        double[] g = aSlot >= 0 ? shapeWork.get() : null;
        if (g != null) {
            multipliers(v, g);
        }
        for (int k = 0; k < members; k++) {
            int base = first + k * stride;
            Packed.rescaleInputs(v, base, base + cRel, p, f, fOff, d);
            if (g != null) {
                capDrift(v, base, base + cRel, g, u, true);
            } else {
                Packed.capDiagonalWithMean(v, base, base + cRel, p, prior, u);
            }
        }
        storage.round(v, 0);
    }

    /** Multiplies every member's covariance by {@code factor}, then applies the cap. */
    @Override
    public void inflate(ModelState state, double factor) {
        double[] v = state.values();
        double[] u = scratch.get();
        double[] g = aSlot >= 0 ? shapeWork.get() : null;
        if (g != null) {
            multipliers(v, g);
        }
        for (int k = 0; k < members; k++) {
            int cOff = first + k * stride + cRel;
            if (g != null) {
                Packed.inflate(v, cOff, p, factor, Double.POSITIVE_INFINITY, u);
                capDrift(v, 0, cOff, g, u, false);
            } else {
                Packed.inflate(v, cOff, p, factor, prior, u);
            }
        }
        storage.round(v, 0);
    }

    /**
     * Layout 2 (issue #17): the values of layout 1 at the same places, kept float32 ({@link #storage});
     * layout 1 is that of issue #4, layout 0 the earlier one (below).
     */
    @Override
    public int layout() {
        return 2;
    }

    /** Format 1 and 2 states predate layout 2: full doubles, layout 1 or 0 by their length. */
    @Override
    public int unversionedLayout(int length) {
        return length == size ? 1 : length == legacySize ? 0 : -1;
    }

    /**
     * Layout 2: {@code n} a {@link Storage#COUNT}, {@code t_last} a double, every member's {@code m, C,
     * S, l} float32 (4 bytes instead of 8; relative rounding 6e-8, far below what the filter can
     * tell); layouts 1 and 0 stored doubles only.
     */
    @Override
    public Storage storage(int layout) {
        return layout == 2 ? storage : layout == 1 ? Storage.doubles(size) : layout == 0 ? Storage.doubles(legacySize) : null;
    }

    /**
     * Reads layout 0, that of builds before issue #4, {@code [n, t_last, M x (m, C, S, l), u (p zeros)]},
     * keeping n and the S only when the variance is learned (with {@code v=} every stored S is that
     * variance) and {@code t_last} only with {@code qtime}.
     */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        if (layout == 1 && length == size) {
            // the same values at the same places; the next update rounds them to float32
            System.arraycopy(stored, from, into, at, size);
            return true;
        }
        if (layout != 0 || length != legacySize) {
            return false;
        }
        int t = Packed.size(p);
        for (int k = 0; k < members; k++) {
            int old = from + 2 + k * legacyStride;
            if (known && stored[old + p + t] != knownVariance) {
                return false;
            }
        }
        if (!known) {
            into[at + nSlot] = stored[from];
        }
        if (qtime) {
            into[at + tSlot] = stored[from + 1];
        }
        for (int k = 0; k < members; k++) {
            int old = from + 2 + k * legacyStride;
            int base = at + first + k * stride;
            System.arraycopy(stored, old, into, base, p + t);
            if (!known) {
                into[base + sRel] = stored[old + p + t];
            }
            into[base + lRel] = stored[old + p + t + 1];
        }
        return true;
    }

    /**
     * {@code weights} and {@code intercept}: the model-averaged weights; {@code covarianceDiagonal}:
     * the mixture's weight variances in label units; {@code memberProbabilities}; {@code ratios};
     * {@code noiseVariance}: each member's S; {@code member<k>.weights}: each member's weights
     * (intercept last when there is one).
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] v = state.values();
        double[] prob = new double[members];
        double total = 0;
        for (int k = 0; k < members; k++) {
            prob[k] = Math.exp(v[first + k * stride + lRel]);
            total += prob[k];
        }
        double[] mean = new double[p];
        double[] noise = new double[members];
        for (int k = 0; k < members; k++) {
            prob[k] /= total;
            int base = first + k * stride;
            noise[k] = noise(v, base);
            for (int i = 0; i < p; i++) {
                mean[i] += prob[k] * v[base + i];
            }
        }
        double[] diag = new double[p];
        double[] memberDiag = new double[p];
        for (int k = 0; k < members; k++) {
            int base = first + k * stride;
            Packed.diagonalInto(v, base + cRel, p, memberDiag);
            for (int i = 0; i < p; i++) {
                double dev = v[base + i] - mean[i];
                diag[i] += prob[k] * (memberDiag[i] * noise[k] + dev * dev);
            }
        }
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("weights", Arrays.copyOfRange(mean, 0, d));
        if (intercept) {
            m.put("intercept", new double[] {mean[d]});
        }
        m.put("covarianceDiagonal", diag);
        m.put("memberProbabilities", prob);
        m.put("ratios", ratios.clone());
        m.put("noiseVariance", noise);
        if (aSlot >= 0) {
            double[] g = new double[p];
            for (int j = 0; j < p; j++) {
                g[j] = Math.exp(v[aSlot + j]);
            }
            m.put("driftMultipliers", g);
        }
        if (!known) {
            m.put("degreesOfFreedom", new double[] {v[nSlot]});
        }
        for (int k = 0; k < members; k++) {
            int base = first + k * stride;
            m.put("member" + k + ".weights", Arrays.copyOfRange(v, base, base + p));
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

    /**
     * The model-averaged weights (intercept last), the mixture's posterior covariance in label units
     * ({@code sum pi_k (S_k C_k + (m_k - m)(m_k - m)')}) and the averaged noise variance
     * {@code sum pi_k S_k} (NaN before the first update when the variance is learned).
     */
    @Override
    public double contribute(ModelState state, double[] vector, double[] within) {
        double[] v = state.values();
        double total = 0.0;
        for (int k = 0; k < members; k++) {
            total += Math.exp(v[first + k * stride + lRel]);
        }
        Arrays.fill(vector, 0, p, 0.0);
        double noise = 0.0;
        for (int k = 0; k < members; k++) {
            int base = first + k * stride;
            double w = Math.exp(v[base + lRel]) / total;
            for (int i = 0; i < p; i++) {
                vector[i] += w * v[base + i];
            }
            noise += w * noise(v, base);
        }
        if (within != null) {
            Arrays.fill(within, 0, Packed.size(p), 0.0);
            for (int k = 0; k < members; k++) {
                int base = first + k * stride;
                double w = Math.exp(v[base + lRel]) / total;
                double s = noise(v, base);
                int at = 0;
                for (int i = 0; i < p; i++) {
                    double di = v[base + i] - vector[i];
                    for (int j = i; j < p; j++) {
                        within[at] += w * (s * v[base + cRel + at] + di * (v[base + j] - vector[j]));
                        at++;
                    }
                }
            }
        }
        return !known && !(v[nSlot] > 0) ? Double.NaN : noise;
    }

    /**
     * Every member starts at the prior mean with the prior covariance relative to the observation
     * variance (the known {@code v}, else the population's mean noise variance), plus
     * {@value Priors#FLOOR} {@code prior}, capped at {@code prior} like the windup cap. The variance
     * estimate and the log-weights keep their defaults.
     */
    @Override
    public void startFrom(ModelState state, Prior from) {
        if (!Priors.usableMean(from, p)) {
            return;
        }
        double[] v = state.values();
        double scale = known ? knownVariance : from.noiseVariance();
        for (int k = 0; k < members; k++) {
            int base = first + k * stride;
            System.arraycopy(from.mean(), 0, v, base, p);
            Priors.covariance(v, base + cRel, p, from, 1.0 / scale, Priors.FLOOR * prior, prior);
        }
        storage.round(v, 0);
    }
}
