package io.streamlearn.learn.kalman;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.Prior;
import io.streamlearn.learn.PriorAware;
import io.streamlearn.learn.Storage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes a linear learner free of the units of its features: the inner learner sees each feature
 * divided by a reference scale that follows the feature's running root mean square in the key, so
 * that multiplying a feature column by any constant {@code c != 0} leaves every prediction unchanged
 * (to rounding). The Kalman bank and RLS use it by default ({@code kalman}, {@code rls};
 * {@code scale=none} turns it off): their prior and process noise are isotropic,
 * {@code N(0, V prior I)} and {@code V delta I}, so without it a feature in the hundreds gets a random
 * walk 10^4 times wider, relative to its effect, than a feature of magnitude 1 (issue #13).
 *
 * <p>For feature j, with {@code c} the key's learned events, {@code M_j} the mean of {@code x_j^2}
 * over them and {@code s_j} the reference scale (0 until the feature is first non-zero):
 * <pre>
 *   M'_j = M_j + (x_j^2 - M_j) / (c + 1)       (the mean including this event)
 *   z_j  = x_j / s_j                           (x_j / sqrt(M'_j) while s_j = 0; 0 if that is 0 too)
 * </pre>
 * In {@code learn}, before the inner learner's update: a feature seen non-zero for the first time
 * gets {@code s_j = sqrt(M'_j)}; when {@code sqrt(M'_j)} has moved from {@code s_j} by more than a
 * factor {@value #REBASE}, {@code s_j} becomes {@code sqrt(M'_j)} and the inner learner re-expresses
 * its weights and covariance for the new units ({@link Rescalable#rescaleInputs}: {@code w_j *= f_j},
 * {@code C <- F C F}), which leaves its predictions unchanged. So the weights never see their inputs
 * change units under them, and the prior and the process noise are relative to each feature's
 * current magnitude. Scaling {@code x_j} by {@code c} scales {@code M_j} by {@code c^2} and
 * {@code s_j} by {@code |c|}, so {@code z_j} is unchanged or, for {@code c < 0}, changes sign; the
 * inner learners' priors and noises are isotropic and zero-mean, so a sign flip of an input flips the
 * sign of its weight and leaves predictions unchanged. The scale is not centred (a sparse feature
 * stays sparse) and the intercept input stays 1.
 *
 * <p><b>Population prior</b> (issue #14). A key contributes the inner learner's vector, weights per
 * unit of its reference scales, followed by its squared reference scales {@code s_j^2}. A new key
 * starts with {@code s_j = sqrt(mean s_j^2)} over the population's keys and {@code M_j = s_j^2},
 * counted as {@value #PRIOR_EVENTS} of its events ({@code c = }{@value #PRIOR_EVENTS}), and, once the
 * population has {@code min-keys} keys, with the population's weights and covariance, which are in
 * those units. Before that ({@link #startEarly}) it takes the scales alone: a scale needs far fewer
 * keys than a covariance, and without them a key's first reference scale is its first value,
 * {@code |x_j|}, whose error gives every weight a prior too wide or too narrow in the feature's units
 * for the key's first events (measured on the peers' synthetic files: MSE / oracle 1.163 on drift
 * and 1.093 on static with a key's own scales; 1.079 and 1.029 with the population's). Squared
 * scales rather than scales, because keys that saw one event contribute {@code |x_j|}, whose mean is
 * below the RMS (0.80 of it for a normal feature); scales counted as 3 events rather than 1 or 16:
 * measured, 1 is noisier and 16 carries the first keys' scales into every later key. The
 * mean of squared scales scales with {@code c^2} when a column is multiplied by {@code c}, so this
 * keeps the invariance.
 *
 * <p>Earlier, states were not standardized: a state stored in one of the inner learner's own layouts
 * (layout version below {@value #FLAG}) is read with {@code c = -1}, which means "inputs as they are",
 * so that key's model predicts and learns bit for bit as it did before the upgrade. New keys are
 * standardized.
 *
 * <p>State layout: the inner learner's values, then {@code c}, {@code M_0 .. M_{d-1}},
 * {@code s_0 .. s_{d-1}}: 2d + 1 values more than the inner learner, kept float32 (and {@code c} a
 * count) when the inner learner keeps its own values float32 (the bank's layout 2, issue #17; see
 * {@link #storage}), doubles otherwise. The layout version is {@value #FLAG} plus the inner one's. The scaled input and the factors are per-thread scratch:
 * predict and learn allocate nothing.
 */
public final class Standardized implements Learner, DriftAware, PriorAware {

    /** Layout versions with this bit are standardized ones; below it, the inner learner's own layouts. */
    static final int FLAG = 0x100;
    /** Factor by which a feature's RMS may move from its reference scale before the weights are re-expressed. */
    static final double REBASE = 1.1;

    /** A linear learner that can re-express its state for inputs divided by per-feature factors. */
    interface Rescalable extends Learner {
        /**
         * Re-expresses the state for inputs {@code z_j / f_j}, {@code f_j = f[fOff + j]} for j below
         * {@link #dimension()}, leaving predictions unchanged up to the learner's own guards.
         * Allocation-free.
         */
        void rescaleInputs(ModelState state, double[] f, int fOff);
    }

    private final Rescalable inner;
    private final int d;
    private final int innerSize;
    private final int cSlot;
    private final int mSlot;
    private final int sSlot;
    private final double[] fresh;
    /** Per thread: the scaled input. */
    private final ThreadLocal<double[]> scratch;
    /** Per thread: the factors [0, d) and the new mean squares [d, 2d). */
    private final ThreadLocal<double[]> work;
    /** The inner learner's storage, then c and the 2d scales: compact when the inner one keeps floats. */
    private final Storage storage;

    Standardized(Rescalable inner) {
        this.inner = inner;
        this.d = inner.dimension();
        double[] in = inner.newState().values();
        this.innerSize = in.length;
        this.cSlot = innerSize;
        this.mSlot = cSlot + 1;
        this.sSlot = mSlot + d;
        this.fresh = new double[sSlot + d];
        System.arraycopy(in, 0, fresh, 0, innerSize);
        this.scratch = Packed.scratch(d);
        this.work = Packed.scratch(2 * d);
        this.storage = storageOf(inner.storage());
        storage.round(fresh, 0);
    }

    /**
     * A state of another standardized learner of the same dimension: the inner learner adopts the
     * earlier inner state; the count and the feature scales ({@code c}, {@code M}, {@code s}) carry over
     * as they are, so the adopted weights stay in the units they were learned in (and a state kept
     * unscaled, {@code c = -1}, stays so).
     */
    @Override
    public boolean adopt(Learner earlier, double[] old, int from, double[] into, int at) {
        if (!(earlier instanceof Standardized s) || s.d != d || !inner.adopt(s.inner, old, from, into, at)) {
            return false;
        }
        System.arraycopy(old, from + s.cSlot, into, at + cSlot, 1 + 2 * d);
        storage.round(into, at);
        return true;
    }

    /** The inner storage followed by c and the scales: a count and floats if the inner one keeps floats. */
    private Storage storageOf(Storage in) {
        return in.hasFloats()
                ? Storage.builder().then(in).counts(1).floats(2 * d).build()
                : Storage.builder().then(in).doubles(1 + 2 * d).build();
    }

    /** The learner that sees the standardized inputs. */
    public Learner inner() {
        return inner;
    }

    /** The inner learner's SPEC: standardization is the default of the families that use it. */
    @Override
    public String spec() {
        return inner.spec();
    }

    @Override
    public int dimension() {
        return d;
    }

    @Override
    public boolean hasUncertainty() {
        return inner.hasUncertainty();
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(fresh.length);
        System.arraycopy(fresh, 0, s.values(), 0, fresh.length);
        return s;
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        double[] v = state.values();
        double c = v[cSlot];
        if (c < 0) {
            inner.predict(state, x, time, out);
            return;
        }
        double[] z = scratch.get();
        double n = c + 1.0;
        double bound = REBASE * Math.sqrt(n);
        for (int j = 0; j < d; j++) {
            double xj = x[j];
            double s = v[sSlot + j];
            if (s > 0) {
                double zj = xj / s;
                z[j] = zj > bound ? bound : zj < -bound ? -bound : zj;
            } else {
                double m = v[mSlot + j] + (xj * xj - v[mSlot + j]) / n;
                z[j] = m > 0 ? xj / Math.sqrt(m) : 0.0;
            }
        }
        inner.predict(state, z, time, out);
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] v = state.values();
        double c = v[cSlot];
        if (c < 0) {
            inner.learn(state, x, time, label);
            return;
        }
        double[] z = scratch.get();
        double[] w = work.get();
        double n = c + 1.0;
        boolean rebase = false;
        for (int j = 0; j < d; j++) {
            double xj = x[j];
            double m = v[mSlot + j] + (xj * xj - v[mSlot + j]) / n;
            w[d + j] = m;
            double target = Math.sqrt(m);
            double s = v[sSlot + j];
            double f = 1.0;
            if (s > 0) {
                double r = target / s;
                if (r > REBASE || r * REBASE < 1.0) {
                    f = r;
                    rebase = true;
                    v[sSlot + j] = target;
                }
            } else if (target > 0) {
                v[sSlot + j] = target;
            }
            w[j] = f;
        }
        if (rebase) {
            inner.rescaleInputs(state, w, 0);
        }
        for (int j = 0; j < d; j++) {
            double s = v[sSlot + j];
            z[j] = s > 0 ? x[j] / s : 0.0;
        }
        inner.learn(state, z, time, label);
        System.arraycopy(w, d, v, mSlot, d);
        v[cSlot] = n;
        storage.round(v, 0);
    }
    @Override
    public void inflate(ModelState state, double factor) {
        if (inner instanceof DriftAware a) {
            a.inflate(state, factor);
        }
    }

    /** {@value #FLAG} plus the inner learner's layout. */
    @Override
    public int layout() {
        return FLAG + inner.layout();
    }

    /**
     * The inner learner's storage of the inner layout, then {@code c} and the scales: when the inner
     * learner keeps floats (the bank since issue #17), {@code c} is a count and the scales floats,
     * rounded at the end of {@code learn} (the feature scales need no more than the weights they
     * scale); otherwise doubles. Null for the unstandardized layouts, which no format that stores
     * layouts holds.
     */
    @Override
    public Storage storage(int layout) {
        if (layout == layout()) {
            return storage;
        }
        Storage in = layout >= FLAG ? inner.storage(layout - FLAG) : null;
        return in == null ? null : storageOf(in);
    }

    /** States stored before layouts were versioned are the inner learner's own, unstandardized. */
    @Override
    public int unversionedLayout(int length) {
        return inner.unversionedLayout(length);
    }

    /**
     * An unstandardized state (a layout of the inner learner alone, from builds before issue #13): its
     * values, migrated by the inner learner if needed, with {@code c = -1} (inputs used as they are).
     * A standardized state of an earlier inner layout: the inner part migrated, the scales copied.
     */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        boolean standardized = layout >= FLAG;
        int innerLayout = standardized ? layout - FLAG : layout;
        int innerLength = standardized ? length - 1 - 2 * d : length;
        if (innerLength < 0) {
            return false;
        }
        if (innerLayout == inner.layout()) {
            if (innerLength != innerSize) {
                return false;
            }
            System.arraycopy(stored, from, into, at, innerSize);
        } else if (!inner.migrate(innerLayout, stored, from, innerLength, into, at)) {
            return false;
        }
        if (standardized) {
            System.arraycopy(stored, from + innerLength, into, at + cSlot, 1 + 2 * d);
        } else {
            into[at + cSlot] = -1.0;
        }
        return true;
    }

    /**
     * The inner learner's views, with {@code weights} (and each {@code member<k>.weights}) and
     * {@code covarianceDiagonal} converted back to the features' own units, plus
     * {@code featureScale} (each feature's reference scale, within a factor {@value #REBASE} of its
     * running RMS; 0 for a feature never seen non-zero; all 1 for a state kept unscaled) and
     * {@code scaledEvents}.
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] v = state.values();
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            scale[j] = v[cSlot] < 0 ? 1.0 : v[sSlot + j];
        }
        Map<String, double[]> m = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : inner.inspect(state).entrySet()) {
            String k = e.getKey();
            double[] a = e.getValue();
            if (k.equals("weights") || k.endsWith(".weights")) {
                a = a.clone();
                for (int j = 0; j < Math.min(d, a.length); j++) {
                    a[j] = scale[j] > 0 ? a[j] / scale[j] : 0.0;
                }
            } else if (k.equals("covarianceDiagonal")) {
                a = a.clone();
                for (int j = 0; j < Math.min(d, a.length); j++) {
                    a[j] = scale[j] > 0 ? a[j] / (scale[j] * scale[j]) : 0.0;
                }
            }
            m.put(k, a);
        }
        m.put("featureScale", scale);
        m.put("scaledEvents", new double[] {Math.max(v[cSlot], 0.0)});
        return m;
    }

    // ---- population prior (issue #14): the inner learner's, in standardized units, and the scales ----

    /** The inner learner's contribution length, 0 when it takes no part in population priors. */
    private int innerLength() {
        return inner instanceof PriorAware pa ? pa.contributionLength() : 0;
    }

    /** The inner learner's vector (weights per unit of the key's reference scales), then the d scales. */
    @Override
    public int contributionLength() {
        int l = innerLength();
        return l == 0 ? 0 : l + d;
    }

    @Override
    public boolean contributesCovariance() {
        return inner instanceof PriorAware pa && pa.contributesCovariance();
    }

    /**
     * The inner learner's contribution as it stands, weights per unit of each feature's reference
     * scale in the key, followed by the reference scales {@code s_j} (1 for a state kept unscaled),
     * so that a new key can start in the population's units. The covariance of the scales is
     * reported as 0 (only their mean is used). The inner values are the prefix of this state.
     */
    @Override
    public double contribute(ModelState state, double[] vector, double[] within) {
        int l = innerLength();
        double noise = ((PriorAware) inner).contribute(state, vector, within);
        double[] v = state.values();
        for (int j = 0; j < d; j++) {
            double s = v[cSlot] < 0 ? 1.0 : v[sSlot + j];
            vector[l + j] = s * s;
        }
        if (within != null) {
            widen(within, l, l + d);
        }
        return noise;
    }

    /**
     * Re-packs, in place, an upper-triangle {@code l x l} matrix at the start of {@code a} as the
     * top-left block of an {@code L x L} one whose other entries are 0. Rows move from the last to
     * the first, each from its end: a row's new place never starts before its old one.
     */
    static void widen(double[] a, int l, int wide) {
        for (int i = l - 1; i >= 0; i--) {
            int from = Packed.size(l) - Packed.size(l - i);
            int to = Packed.size(wide) - Packed.size(wide - i);
            for (int j = l - 1 - i; j >= 0; j--) {
                a[to + j] = a[from + j];
            }
            java.util.Arrays.fill(a, to + l - i, to + wide - i, 0.0);
        }
        int rest = Packed.size(wide) - Packed.size(wide - l);
        java.util.Arrays.fill(a, rest, Packed.size(wide), 0.0);
    }

    /** The top-left {@code l x l} block of a packed upper-triangle {@code L x L} matrix, packed. */
    static double[] block(double[] a, int wide, int l) {
        double[] out = new double[Packed.size(l)];
        int k = 0;
        for (int i = 0; i < l; i++) {
            int row = Packed.size(wide) - Packed.size(wide - i);
            for (int j = 0; j < l - i; j++) {
                out[k++] = a[row + j];
            }
        }
        return out;
    }

    /**
     * Starts from the population: the reference scales (and mean squares) become the population's
     * mean scales, counted as {@value #PRIOR_EVENTS} events of the key ({@link #startEarly}), and the
     * inner learner starts from the prior's weights and covariance, which are in those units.
     */
    @Override
    public void startFrom(ModelState state, Prior prior) {
        int l = innerLength();
        if (l == 0 || prior.mean() == null || prior.mean().length != l + d) {
            return;
        }
        startEarly(state, prior);
        double[] cov = prior.covariance() == null || prior.covariance().length != Packed.size(l + d)
                ? null : block(prior.covariance(), l + d, l);
        ((PriorAware) inner).startFrom(state, new Prior(prior.keys(),
                java.util.Arrays.copyOf(prior.mean(), l), cov, prior.noiseVariance()));
        storage.round(state.values(), 0);
    }

    /** Events the population's scales count for in a new key's running mean squares. */
    static final double PRIOR_EVENTS = 3.0;

    /**
     * The population's mean reference scale of each feature becomes the new key's reference scale
     * and running RMS, as if the key had seen {@value #PRIOR_EVENTS} events at that scale; the
     * weights keep their defaults. Usable from a single contributing key.
     */
    @Override
    public void startEarly(ModelState state, Prior prior) {
        int l = innerLength();
        double[] m = prior.mean();
        if (l == 0 || m == null || m.length != l + d) {
            return;
        }
        double[] v = state.values();
        for (int j = 0; j < d; j++) {
            double s = m[l + j];
            if (!(s > 0 && s < 1e100)) {
                return;
            }
        }
        for (int j = 0; j < d; j++) {
            double ms = m[l + j];
            v[sSlot + j] = Math.sqrt(ms);
            v[mSlot + j] = ms;
        }
        v[cSlot] = PRIOR_EVENTS;
        storage.round(v, 0);
    }
}
