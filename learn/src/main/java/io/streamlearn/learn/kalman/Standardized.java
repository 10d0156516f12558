package io.streamlearn.learn.kalman;

import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes a linear learner free of the units of its features: each feature is divided by its running
 * root mean square in the key, so that multiplying a feature column by any constant {@code c != 0}
 * leaves every prediction unchanged (to rounding). The Kalman bank and RLS use it by default
 * ({@code kalman}, {@code rls}; {@code scale=none} turns it off): their prior and process noise are
 * isotropic, {@code N(0, V prior I)} and {@code V delta I}, so without it a feature in the hundreds gets
 * a random walk 10^4 times wider, relative to its effect, than a feature of magnitude 1 (issue #13).
 *
 * <p>For feature j, with {@code c} the key's learned events and {@code M_j} the mean of {@code x_j^2}
 * over them, the event's input to the inner learner is
 * <pre>
 *   M'_j = M_j + (x_j^2 - M_j) / (c + 1)      (the mean including this event)
 *   z_j  = x_j / sqrt(M'_j)                   (0 when M'_j = 0: a feature never seen non-zero)
 * </pre>
 * the same in {@code predict} and {@code learn}; {@code learn} then stores {@code M'} and
 * {@code c + 1}. Including the event itself makes the first event's inputs {@code ±1} and bounds every
 * {@code |z_j|} by {@code sqrt(c + 1)}, so an outlier cannot blow up the inner learner. Scaling
 * {@code x_j} by {@code c} scales {@code M'_j} by {@code c^2}, so {@code z_j} is unchanged or, for
 * {@code c < 0}, changes sign; the inner learners' priors and noises are isotropic and zero-mean, so a
 * sign flip of an input flips the sign of its weight and leaves predictions unchanged. The scale is
 * not centred (a sparse feature stays sparse) and the intercept input stays 1.
 *
 * <p>Earlier, states were not standardized: a state stored in one of the inner learner's own layouts
 * (layout version below {@value #FLAG}) is read with {@code c = -1}, which means "inputs as they are",
 * so that key's model predicts and learns bit for bit as it did before the upgrade. New keys are
 * standardized.
 *
 * <p>State layout: the inner learner's values, then {@code c}, then {@code M_0 .. M_{d-1}}: d + 1
 * doubles more than the inner learner. The layout version is {@value #FLAG} plus the inner one's. The
 * scaled input is per-thread scratch: predict and learn allocate nothing.
 */
public final class Standardized implements Learner, DriftAware {

    /** Layout versions with this bit are standardized ones; below it, the inner learner's own layouts. */
    static final int FLAG = 0x100;

    private final Learner inner;
    private final int d;
    private final int innerSize;
    private final int cSlot;
    private final double[] fresh;
    private final ThreadLocal<double[]> scratch;

    Standardized(Learner inner) {
        this.inner = inner;
        this.d = inner.dimension();
        double[] in = inner.newState().values();
        this.innerSize = in.length;
        this.cSlot = innerSize;
        this.fresh = new double[innerSize + 1 + d];
        System.arraycopy(in, 0, fresh, 0, innerSize);
        this.scratch = Packed.scratch(d);
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

    /** The inputs the inner learner sees for {@code x} in this state (x itself for an unscaled state). */
    private double[] scaled(double[] v, double[] x) {
        double c = v[cSlot];
        if (c < 0) {
            return x;
        }
        double[] z = scratch.get();
        double n = c + 1.0;
        for (int j = 0; j < d; j++) {
            double xj = x[j];
            double m = v[cSlot + 1 + j];
            m += (xj * xj - m) / n;
            z[j] = m > 0 ? xj / Math.sqrt(m) : 0.0;
        }
        return z;
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        inner.predict(state, scaled(state.values(), x), time, out);
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] v = state.values();
        inner.learn(state, scaled(v, x), time, label);
        double c = v[cSlot];
        if (c >= 0) {
            double n = c + 1.0;
            for (int j = 0; j < d; j++) {
                double xj = x[j];
                int at = cSlot + 1 + j;
                v[at] += (xj * xj - v[at]) / n;
            }
            v[cSlot] = n;
        }
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
        int innerLength = standardized ? length - 1 - d : length;
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
            System.arraycopy(stored, from + innerLength, into, at + cSlot, 1 + d);
        } else {
            into[at + cSlot] = -1.0;
        }
        return true;
    }

    /**
     * The inner learner's views, with {@code weights} (and each {@code member<k>.weights}) and
     * {@code covarianceDiagonal} converted back to the features' own units, plus
     * {@code featureScale} (each feature's running RMS; all 1 for a state kept unscaled) and
     * {@code scaledEvents}.
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        double[] v = state.values();
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            scale[j] = v[cSlot] < 0 ? 1.0 : Math.sqrt(v[cSlot + 1 + j]);
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
}
