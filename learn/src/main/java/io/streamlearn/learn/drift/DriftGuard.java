package io.streamlearn.learn.drift;

import io.streamlearn.learn.SlicePriorAware;
import io.streamlearn.learn.DriftAware;
import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;
import io.streamlearn.learn.NestedState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A guard stage that watches its readout's prequential error and reacts to a change of regime. On each
 * labelled event the readout first predicts (with the state it would have predicted with), the absolute
 * error {@code |y − ŷ|} goes to the detector, then the readout learns; on a detection the key's readout
 * state is either reset to a fresh one ({@code action=reset}) or widened with
 * {@link DriftAware#inflate} by {@code factor} ({@code action=inflate}, for readouts that implement
 * {@link DriftAware}, e.g. Kalman or RLS). Detections are counted in the state.
 *
 * <p>SPEC: {@code drift[:detector=ph|adwin][,action=reset|inflate][,factor=10][,detector params]+readout},
 * immediately before the readout (memories may come first: {@code lags:p=24+drift:detector=adwin+kalman}).
 * Page-Hinkley parameters: {@code delta, lambda, alpha, min} ({@link PageHinkley}); ADWIN parameters:
 * {@code delta, buckets, rows, clock, min} ({@link Adwin}).
 *
 * <p>State layout: {@code [detector slots, detections, last detection time, updates at last reset,
 * readout state]}. The readout sees {@code updates} counted since its last reset. Thread-safe as any
 * learner: the readout's state is run through a per-thread {@link NestedState}.
 *
 * <pre>{@code
 * Learner l = Learners.create("drift:detector=ph,lambda=20,action=reset+sgd", 3);
 * l.inspect(state).get("drift.detections");
 * }</pre>
 */
public final class DriftGuard implements Learner, SlicePriorAware {

    /** What to do to the readout state on a detection. */
    public enum Action { RESET, INFLATE }

    private final DriftDetector detector;
    private final Learner readout;
    private final Action action;
    private final double factor;
    private final int detectionsSlot;
    private final NestedState nested;
    private final double[] freshReadout;
    private final int size;
    private final String spec;
    /** The current layout's storage, built once. */
    private final io.streamlearn.learn.Storage storage;
    private final ThreadLocal<Prediction> prediction = ThreadLocal.withInitial(Prediction::new);
    /** The guard around the readout's predecessor, or null. */
    private final DriftGuard former;

    public DriftGuard(DriftDetector detector, Learner readout, Action action, double factor) {
        if (action == Action.INFLATE && !(readout instanceof DriftAware)) {
            throw new IllegalArgumentException("drift: action=inflate needs a readout that can widen its uncertainty ("
                    + readout.spec() + " cannot); use action=reset");
        }
        if (action == Action.INFLATE && !(factor > 1)) {
            throw new IllegalArgumentException("drift: factor must be > 1, got " + factor);
        }
        this.detector = detector;
        this.readout = readout;
        this.action = action;
        this.factor = factor;
        this.detectionsSlot = detector.size();
        this.nested = new NestedState(readout, detectionsSlot + 3);
        this.freshReadout = readout.newState().values();
        this.size = detectionsSlot + 3 + nested.size();
        this.spec = "drift:" + detector.spec() + ",action=" + action.name().toLowerCase(java.util.Locale.ROOT)
                + (action == Action.INFLATE ? ",factor=" + factor : "") + "+" + readout.spec();
        this.storage = storage(readout.layout());
        this.former = readout.predecessor() == null ? null : new DriftGuard(detector, readout.predecessor(), action, factor);
    }

    /** The same guard around the readout's {@link Learner#predecessor() predecessor}, or null. */
    @Override
    public Learner predecessor() {
        return former;
    }

    /**
     * A state of a guard with the same detector around another readout: the detector's slots and
     * counters carry over; the readout adopts the earlier readout's slice.
     */
    @Override
    public boolean adopt(Learner earlier, double[] old, int from, double[] into, int at) {
        int prefix = detectionsSlot + 3;
        if (!(earlier instanceof DriftGuard g) || !g.detector.spec().equals(detector.spec())
                || !readout.adopt(g.readout, old, from + prefix, into, at + prefix)) {
            return false;
        }
        System.arraycopy(old, from, into, at, prefix);
        return true;
    }

    /**
     * Builds the guard from the {@code drift} stage's parameters around {@code readout}. Reads
     * {@code detector}, {@code action}, {@code factor} and the detector's parameters, then refuses
     * unknown ones.
     */
    public static DriftGuard fromSpec(ModelSpec.Params p, Learner readout) {
        String kind = p.choice("detector", "ph", "ph", "adwin");
        DriftDetector detector = kind.equals("ph") ? PageHinkley.fromSpec(p) : Adwin.fromSpec(p);
        Action action = p.choice("action", "reset", "reset", "inflate").equals("reset") ? Action.RESET : Action.INFLATE;
        double factor = p.number("factor", 10.0);
        p.requireAllRead();
        return new DriftGuard(detector, readout, action, factor);
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public int dimension() {
        return readout.dimension();
    }

    public Learner readout() {
        return readout;
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(size);
        detector.reset(s.values(), 0);
        nested.reset(freshReadout, s);
        return s;
    }

    @Override
    public boolean hasUncertainty() {
        return readout.hasUncertainty();
    }

    private long readoutUpdates(ModelState state) {
        return state.updates() - (long) state.values()[detectionsSlot + 2];
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        readout.predict(nested.load(state, readoutUpdates(state)), x, time, out);
    }

    @Override
    public boolean observesEvents() {
        return readout.observesEvents();
    }

    @Override
    public void observe(ModelState state, double[] x, long time) {
        if (readout.observesEvents()) {
            ModelState inner = nested.load(state, readoutUpdates(state));
            readout.observe(inner, x, time);
            nested.store(inner, state);
        }
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, readout.dimension(), label);
        double[] s = state.values();
        ModelState inner = nested.load(state, readoutUpdates(state));
        Prediction p = prediction.get();
        readout.predict(inner, x, time, p);
        readout.learn(inner, x, time, label);
        double error = Math.abs(label - p.mean());
        if (Double.isFinite(error) && detector.add(s, 0, error)) {
            s[detectionsSlot] += 1;
            s[detectionsSlot + 1] = time;
            if (action == Action.RESET) {
                System.arraycopy(freshReadout, 0, inner.values(), 0, freshReadout.length);
                s[detectionsSlot + 2] = state.updates() + 1;
            } else {
                ((DriftAware) readout).inflate(inner, factor);
            }
        }
        nested.store(inner, state);
        state.recordUpdate(time);
    }

    /** The readout's layout: the slots before its slice have had one layout only. */
    @Override
    public int layout() {
        return readout.layout();
    }

    /** Doubles for the detector's slots and counters, then the readout's storage of {@code layout}. */
    @Override
    public io.streamlearn.learn.Storage storage(int layout) {
        if (layout == readout.layout() && storage != null) {
            return storage;
        }
        io.streamlearn.learn.Storage in = readout.storage(layout);
        return in == null ? null : io.streamlearn.learn.Storage.builder().doubles(detectionsSlot + 3).then(in).build();
    }

    @Override
    public int unversionedLayout(int length) {
        int prefix = detectionsSlot + 3;
        return length <= prefix ? -1 : readout.unversionedLayout(length - prefix);
    }

    /**
     * An earlier layout of the readout's slice (the detector's slots and counters are unchanged): copies
     * them and lets the readout migrate the rest.
     */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        int prefix = detectionsSlot + 3;
        if (length <= prefix || !readout.migrate(layout, stored, from + prefix, length - prefix, into, at + prefix)) {
            return false;
        }
        System.arraycopy(stored, from, into, at, prefix);
        return true;
    }

    /** Number of changes detected in {@code state}. */
    public long detections(ModelState state) {
        return (long) state.values()[detectionsSlot];
    }

    /**
     * {@code drift.detections}, {@code drift.lastDetectionTime}, the detector's views prefixed
     * {@code drift.}, then the readout's prefixed {@code readout.}.
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        Map<String, double[]> m = new LinkedHashMap<>();
        double[] s = state.values();
        m.put("drift.detections", new double[] {s[detectionsSlot]});
        m.put("drift.lastDetectionTime", new double[] {s[detectionsSlot + 1]});
        for (Map.Entry<String, double[]> e : detector.inspect(s, 0).entrySet()) {
            m.put("drift." + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, double[]> e : readout.inspect(nested.load(state, readoutUpdates(state)).copy()).entrySet()) {
            m.put("readout." + e.getKey(), e.getValue());
        }
        return m;
    }

    // ---- population prior (issue #14): the readout's, on its slice of the state ----

    @Override
    public NestedState priorSlice() {
        return nested;
    }
}
