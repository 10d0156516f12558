package io.streamlearn.learn.conformal;

import io.streamlearn.learn.SlicePriorAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.NestedState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.Storage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Calibrated central 80% and 95% intervals for any learner with a predictive standard deviation, by
 * adaptive conformal inference (I. Gibbs and E. Candès, "Adaptive conformal inference under
 * distribution shift", NeurIPS 2021), per key. For each nominal miscoverage {@code α} (0.20 and 0.05)
 * the key's state keeps an adjusted level {@code α_t}; the published interval is the model's own
 * Gaussian interval at that level, and each label moves the level by the interval's error:
 * <pre>
 *   z_t    = Φ⁻¹(1 − α_t / 2)              (0 when α_t ≥ 1; Φ⁻¹(1 − {@value #SMALLEST}/2) when α_t ≤ {@value #SMALLEST})
 *   I_t    = [mean − z_t stddev, mean + z_t stddev]
 *   err_t  = 1 if y_t ∉ I_t, else 0
 *   α_t+1  = α_t + γ (α − err_t)             γ = {@value #GAMMA}
 * </pre>
 * Whatever the model and the data, the share of labels outside the published intervals over T labels
 * is within {@code (max(α_1, 1 − α_1) + γ) / (γ T)} of {@code α} (Gibbs and Candès, proposition 4.1;
 * the bound needs {@code α_t} to stay in {@code [−γ, 1 + γ]}, which the finite interval at
 * {@value #SMALLEST} keeps except when a label lies beyond ~7 standard deviations): about 0.6 points
 * after 35,000 labels of one key. So a model whose own intervals are too wide (heavy-tailed errors) or
 * too narrow (heteroscedastic noise) gets intervals whose long-run coverage is the nominal one. The
 * predictions' mean and standard deviation are the model's, unchanged.
 *
 * <p>An event whose prediction has no finite positive standard deviation gets no interval and does not
 * move the levels. {@link #learn(ModelState, double[], long, double)} scores the event again to know
 * the interval it published; the scoring step passes the published prediction instead
 * ({@link #learn(ModelState, double[], long, double, Prediction)}), which for a model whose
 * {@code observe} changes its state is the one that was published.
 *
 * <p>State layout: {@code [the model's state, α_t of 80%, α_t of 95%]} (two float32 values: 8 bytes more per key); layout
 * version {@value #FLAG} plus the model's. A state stored by the model alone (a layout below
 * {@value #FLAG}: stored before calibration) is read with the nominal levels. SPEC and fingerprint
 * are the model's own, so turning calibration on keeps every key's model.
 *
 * <pre>{@code
 * Learner model = Conformal.wrap(Learners.create("kalman", 3));
 * Prediction p = new Prediction();
 * model.predict(state, x, time, p);          // p.lower80(), p.upper80(), p.lower95(), p.upper95()
 * ((Conformal) model).learn(state, x, time, label, p);
 * }</pre>
 */
public final class Conformal implements Learner, SlicePriorAware {

    /** Added to the model's layout version. */
    public static final int FLAG = 0x10000;
    /** Step size γ of the level's update. */
    static final double GAMMA = 0.005;
    /** The smallest level an interval is drawn at: a finite interval of ±7.03 standard deviations. */
    static final double SMALLEST = 2e-12;
    /** The stored levels stay in [-1, 2], so no state becomes unbounded. */
    private static final double LEVEL_BOUND = 1.0;
    /** Nominal miscoverage of the two intervals. */
    static final double ALPHA80 = 0.20;
    static final double ALPHA95 = 0.05;

    private final Learner inner;
    private final NestedState nested;
    private final int innerSize;
    private final int slot;
    private final int size;
    private final Storage storage;
    private final ThreadLocal<Prediction> scratch = ThreadLocal.withInitial(Prediction::new);
    /** The calibrated predecessor of the model, or null. */
    private final Learner former;

    private Conformal(Learner inner) {
        this.inner = inner;
        this.nested = new NestedState(inner, 0);
        this.innerSize = nested.size();
        this.slot = innerSize;
        this.size = innerSize + 2;
        this.storage = calibrated(inner.storage(inner.layout()));
        this.former = inner.predecessor() == null ? null : wrap(inner.predecessor());
    }

    /** The model's {@link Learner#predecessor() predecessor}, calibrated as this one is, or null. */
    @Override
    public Learner predecessor() {
        return former;
    }

    /**
     * The model adopts the earlier model's state; the two calibrated levels carry over when the
     * earlier learner was calibrated too, else they start nominal.
     */
    @Override
    public boolean adopt(Learner earlier, double[] old, int from, double[] into, int at) {
        if (earlier instanceof Conformal c) {
            if (!inner.adopt(c.inner, old, from, into, at)) {
                return false;
            }
            into[at + slot] = old[from + c.slot];
            into[at + slot + 1] = old[from + c.slot + 1];
            return true;
        }
        return inner.adopt(earlier, old, from, into, at);
    }

    /**
     * {@code model} with calibrated intervals when it has a predictive standard deviation
     * ({@link Learner#hasUncertainty()}), else {@code model} itself. Wrapping twice wraps once.
     */
    public static Learner wrap(Learner model) {
        return model instanceof Conformal || !model.hasUncertainty() ? model : new Conformal(model);
    }

    /** The model whose intervals this calibrates. */
    public Learner model() {
        return inner;
    }

    @Override
    public String spec() {
        return inner.spec();
    }

    @Override
    public int dimension() {
        return inner.dimension();
    }

    @Override
    public long fingerprint() {
        return inner.fingerprint();
    }

    @Override
    public boolean hasUncertainty() {
        return true;
    }

    @Override
    public boolean observesEvents() {
        return inner.observesEvents();
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(size);
        nested.reset(inner.newState().values(), s);
        s.values()[slot] = (float) ALPHA80;
        s.values()[slot + 1] = (float) ALPHA95;
        return s;
    }

    /** The interval half-width multiplier {@code z_t} of level {@code alpha}. */
    static double multiplier(double alpha) {
        if (alpha >= 1) {
            return 0.0;
        }
        return -NormalQuantile.of(Math.max(alpha, SMALLEST) / 2);   // Φ⁻¹(1 − α/2), from the small tail
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        inner.predict(nested.load(state, state.updates()), x, time, out);
        double mean = out.mean();
        double sd = out.stddev();
        if (sd > 0 && sd < Double.POSITIVE_INFINITY && Double.isFinite(mean)) {
            double[] v = state.values();
            double h80 = multiplier(v[slot]) * sd;
            double h95 = multiplier(v[slot + 1]) * sd;
            out.intervals(mean - h80, mean + h80, mean - h95, mean + h95);
        }
    }

    @Override
    public void observe(ModelState state, double[] x, long time) {
        if (inner.observesEvents()) {
            ModelState s = nested.load(state, state.updates());
            inner.observe(s, x, time);
            nested.store(s, state);
        }
    }

    /** Learns, first scoring the event again to know the interval this state publishes for it. */
    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, inner.dimension(), label);
        Prediction p = scratch.get();
        predict(state, x, time, p);
        learn(state, x, time, label, p);
    }

    /**
     * Learns {@code label} and moves the levels by the error of {@code published}, the prediction this
     * state gave for the event ({@link #predict}); an unchanged state when the model refuses the input.
     */
    public void learn(ModelState state, double[] x, long time, double label, Prediction published) {
        ModelState s = nested.load(state, state.updates());
        inner.learn(s, x, time, label);
        nested.store(s, state);
        if (published.hasIntervals()) {
            double[] v = state.values();
            v[slot] = (float) level(v[slot], ALPHA80, label < published.lower80() || label > published.upper80());
            v[slot + 1] = (float) level(v[slot + 1], ALPHA95, label < published.lower95() || label > published.upper95());
        }
        state.setCounters(s.updates(), Math.max(state.lastEventTime(), s.lastEventTime()));
    }

    /** One step of the update {@code α_t+1 = α_t + γ (α − err_t)}, kept within [-1, 2]. */
    static double level(double current, double nominal, boolean missed) {
        double next = current + GAMMA * (nominal - (missed ? 1.0 : 0.0));
        return Math.max(-LEVEL_BOUND, Math.min(1 + LEVEL_BOUND, next));
    }

    @Override
    public int layout() {
        return FLAG + inner.layout();
    }

    /**
     * The model's storage of the model's layout, then the two levels as float32 values ({@link Storage#FLOAT}:
     * every change to a level is rounded to float32, 8 bytes per key in all); a state stored by the
     * model alone (a layout below {@value #FLAG}) is the model's own. So a model that keeps its state
     * compact ({@link Storage#FLOAT}) stays compact when calibrated.
     */
    @Override
    public Storage storage(int layout) {
        if (layout == layout()) {
            return storage;
        }
        return layout >= FLAG ? calibrated(inner.storage(layout - FLAG)) : inner.storage(layout);
    }

    private static Storage calibrated(Storage model) {
        return model == null ? null : Storage.builder().then(model).floats(2).build();
    }

    /** States stored before layouts were versioned are the model's own. */
    @Override
    public int unversionedLayout(int length) {
        return inner.unversionedLayout(length);
    }

    /**
     * A state of the model alone (layout below {@value #FLAG}) with the nominal levels; a calibrated
     * state of an earlier model layout with its levels copied.
     */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        boolean calibrated = layout >= FLAG;
        int innerLayout = calibrated ? layout - FLAG : layout;
        int innerLength = calibrated ? length - 2 : length;
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
        if (calibrated) {
            into[at + slot] = (float) stored[from + innerLength];
            into[at + slot + 1] = (float) stored[from + innerLength + 1];
        } else {
            into[at + slot] = (float) ALPHA80;
            into[at + slot + 1] = (float) ALPHA95;
        }
        return true;
    }

    /**
     * The model's views, then {@code conformal.level} (the adjusted miscoverage α_t of the 80% and the
     * 95% interval) and {@code conformal.multiplier} (their half-widths in standard deviations).
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        Map<String, double[]> m = new LinkedHashMap<>(inner.inspect(nested.load(state, state.updates()).copy()));
        double[] v = state.values();
        m.put("conformal.level", new double[] {v[slot], v[slot + 1]});
        m.put("conformal.multiplier", new double[] {multiplier(v[slot]), multiplier(v[slot + 1])});
        return m;
    }

    // ---- population prior (issue #14): the model's, on its slice of the state ----

    @Override
    public NestedState priorSlice() {
        return nested;
    }
}
