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

    // ---- population prior (issue #14): the inner learner's, in its standardized units ----

    @Override
    public int contributionLength() {
        return inner instanceof PriorAware pa ? pa.contributionLength() : 0;
    }

    @Override
    public boolean contributesCovariance() {
        return inner instanceof PriorAware pa && pa.contributesCovariance();
    }

    /**
     * The inner learner's contribution as it stands: weights per unit of each feature's reference
     * scale in the key (its running RMS), so keys whose features have similar magnitudes contribute
     * comparable vectors. The inner values are the prefix of this state.
     */
    @Override
    public double contribute(ModelState state, double[] vector, double[] within) {
        return ((PriorAware) inner).contribute(state, vector, within);
    }

    /** Starts the inner learner from the prior; the scales start as in a fresh state (learned from the key). */
    @Override
    public void startFrom(ModelState state, Prior prior) {
        if (inner instanceof PriorAware pa) {
            pa.startFrom(state, prior);
        }
    }
}
