package io.streamlearn.learn.memory;

import io.streamlearn.learn.SlicePriorAware;
import io.streamlearn.learn.NestedState;

import io.streamlearn.learn.Inputs;
import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelState;
import io.streamlearn.learn.Prediction;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recurrent memories feeding a readout learner: the learner a SPEC with several stages builds
 * ({@code lags:p=24+kalman}, {@code ema:tau=1h/1d+sgd}, {@code lags:p=24,split=dlinear+ssm:n=16+rls}).
 *
 * <p>For event t with features x_t (dimension d), the readout's input is
 * <pre>
 *   z_t = [x_t, f_1(S¹, x_t), ..., f_m(Sᵐ, x_t)]      (dimension d + Σ outputs)
 * </pre>
 * where each memory's features come from its state before the event's label (label-driven memories:
 * labels up to t-1) and, for feature-driven memories, include x_t. The scoring step's order is kept:
 * {@link #predict} (reads S, changes nothing), {@link #observe} (feature-driven memories absorb x_t),
 * {@link #learn} if labelled (the readout learns from the same z_t it predicted from, then label-driven
 * memories absorb y_t). A readout that observes events is passed z_t in {@code observe} too. A one-slot
 * flag remembers whether {@code observe} has absorbed an event since the last {@code learn}: in the
 * scoring step's order it is this event, so {@code learn} rebuilds exactly the predicted z_t; without it
 * (learning straight after {@code predict}) x_t is folded in as {@code predict} does. A late label
 * (learned long after its event, after other events were observed) sees memories that have moved on:
 * its features are the memories' current ones, an approximation no per-key state can avoid.
 *
 * <p>State layout: {@code [memory 1 slots, ..., memory m slots, observed flag, readout state]}.
 * Scratch (the composed input z and memory scratch) is per thread, allocated once per thread and
 * learner; the readout's slice is copied into a per-thread readout state for each call
 * ({@link NestedState}). So a composite is shareable across threads and allocation-free per event.
 *
 * <pre>{@code
 * Learner l = Learners.create("lags:p=3+ema:tau=1m/1h+sgd", 2);
 * ModelState s = l.newState();
 * Prediction out = new Prediction();
 * double[] x = {0.5, 1.0};
 * l.predict(s, x, 0L, out);
 * l.observe(s, x, 0L);
 * l.learn(s, x, 0L, 3.0);
 * l.inspect(s);   // lags.window, ema.labelAverages, ..., readout.values
 * }</pre>
 */
public final class CompositeLearner implements Learner, SlicePriorAware {

    private final int d;
    private final Memory[] memories;
    private final String[] names;
    private final int[] offsets;
    private final int[] outOffsets;
    private final int flagSlot;
    private final Learner readout;
    private final NestedState nested;
    private final int inputs;
    private final int stateSize;
    private final boolean observes;
    private final double[] fresh;
    private final String spec;
    private final ThreadLocal<Scratch> scratch;
    /** The current layout's storage, built once. */
    private final io.streamlearn.learn.Storage storage;
    /** The same memories around the readout's predecessor, or null. */
    private final CompositeLearner former;

    private static final class Scratch {
        final double[] z;
        final double[] memory;

        Scratch(int z, int memory) {
            this.z = new double[z];
            this.memory = new double[memory];
        }
    }

    /**
     * @param dimension input features d
     * @param memories  the memory stages, in SPEC order
     * @param readout   a learner of dimension {@code d + Σ outputs}
     */
    public CompositeLearner(int dimension, List<Memory> memories, Learner readout) {
        this.d = dimension;
        this.memories = memories.toArray(new Memory[0]);
        this.names = new String[this.memories.length];
        this.offsets = new int[this.memories.length];
        this.outOffsets = new int[this.memories.length];
        int off = 0;
        int out = dimension;
        int scratchSize = 0;
        boolean obs = false;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < this.memories.length; i++) {
            Memory m = this.memories[i];
            offsets[i] = off;
            outOffsets[i] = out;
            off += m.size();
            out += m.outputs();
            scratchSize = Math.max(scratchSize, m.scratchSize());
            obs |= m.observesEvents();
            String spec = m.spec();
            String name = spec.indexOf(':') < 0 ? spec : spec.substring(0, spec.indexOf(':'));
            for (int j = 0; j < i; j++) {
                if (names[j].equals(name)) {
                    name = name + i;
                }
            }
            names[i] = name;
            b.append(spec).append('+');
        }
        if (readout.dimension() != out) {
            throw new IllegalArgumentException("readout dimension " + readout.dimension() + " != " + out
                    + " (d + memory outputs)");
        }
        this.flagSlot = off;
        this.readout = readout;
        this.nested = new NestedState(readout, off + 1);
        this.inputs = out;
        this.stateSize = off + 1 + nested.size();
        this.observes = obs || readout.observesEvents();
        this.spec = b.append(readout.spec()).toString();
        ModelState s = new ModelState(stateSize);
        for (int i = 0; i < this.memories.length; i++) {
            this.memories[i].reset(s.values(), offsets[i]);
        }
        nested.reset(readout.newState().values(), s);
        this.fresh = s.values();
        int zSize = out;
        int memScratch = scratchSize;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(zSize, memScratch));
        this.storage = storage(readout.layout());
        this.former = readout.predecessor() == null ? null
                : new CompositeLearner(dimension, memories, readout.predecessor());
    }

    /** The same memories feeding the readout's {@link Learner#predecessor() predecessor}, or null. */
    @Override
    public Learner predecessor() {
        return former;
    }

    /**
     * A state of the same memories feeding another readout: the memories' slots and the flag carry
     * over; the readout adopts the earlier readout's slice.
     */
    @Override
    public boolean adopt(Learner earlier, double[] old, int from, double[] into, int at) {
        int prefix = flagSlot + 1;
        if (!(earlier instanceof CompositeLearner c) || c.flagSlot != flagSlot || c.d != d
                || !spec.startsWith(c.spec.substring(0, c.spec.length() - c.readout.spec().length()))
                || !readout.adopt(c.readout, old, from + prefix, into, at + prefix)) {
            return false;
        }
        System.arraycopy(old, from, into, at, prefix);
        return true;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public int dimension() {
        return d;
    }

    /** The readout learner (its dimension is {@link #readoutDimension()}). */
    public Learner readout() {
        return readout;
    }

    /** d + the memories' outputs. */
    public int readoutDimension() {
        return inputs;
    }

    @Override
    public ModelState newState() {
        ModelState s = new ModelState(stateSize);
        System.arraycopy(fresh, 0, s.values(), 0, stateSize);
        return s;
    }

    @Override
    public boolean observesEvents() {
        return observes;
    }

    @Override
    public boolean hasUncertainty() {
        return readout.hasUncertainty();
    }

    /** Fills {@code z} with x followed by every memory's features for the event. */
    private void compose(double[] s, double[] x, long time, boolean absorbed, Scratch sc) {
        double[] z = sc.z;
        System.arraycopy(x, 0, z, 0, d);
        for (int i = 0; i < memories.length; i++) {
            memories[i].features(s, offsets[i], x, time, absorbed, z, outOffsets[i], sc.memory);
        }
    }

    @Override
    public void predict(ModelState state, double[] x, long time, Prediction out) {
        Inputs.check(x, d);
        Scratch sc = scratch.get();
        compose(state.values(), x, time, false, sc);
        readout.predict(nested.load(state, state.updates()), sc.z, time, out);
    }

    @Override
    public void observe(ModelState state, double[] x, long time) {
        if (!observes) {
            return;
        }
        Inputs.check(x, d);
        double[] s = state.values();
        for (int i = 0; i < memories.length; i++) {
            memories[i].observe(s, offsets[i], x, time);
        }
        s[flagSlot] = 1.0;
        if (readout.observesEvents()) {
            Scratch sc = scratch.get();
            compose(s, x, time, true, sc);
            ModelState inner = nested.load(state, state.updates());
            readout.observe(inner, sc.z, time);
            nested.store(inner, state);
        }
    }

    @Override
    public void learn(ModelState state, double[] x, long time, double label) {
        Inputs.check(x, d, label);
        double[] s = state.values();
        Scratch sc = scratch.get();
        compose(s, x, time, s[flagSlot] != 0.0, sc);
        ModelState inner = nested.load(state, state.updates());
        readout.learn(inner, sc.z, time, label);       // throws before any change if z is refused
        nested.store(inner, state);
        for (int i = 0; i < memories.length; i++) {
            memories[i].learn(s, offsets[i], x, time, label, sc.z, outOffsets[i], sc.memory);
        }
        s[flagSlot] = 0.0;
        state.recordUpdate(time);
    }

    /** The readout's layout: the slots before its slice have had one layout only. */
    @Override
    public int layout() {
        return readout.layout();
    }

    /** Doubles for the memories' slots and the flag, then the readout's storage of {@code layout}. */
    @Override
    public io.streamlearn.learn.Storage storage(int layout) {
        if (layout == readout.layout() && storage != null) {
            return storage;
        }
        io.streamlearn.learn.Storage in = readout.storage(layout);
        return in == null ? null : io.streamlearn.learn.Storage.builder().doubles(flagSlot + 1).then(in).build();
    }

    @Override
    public int unversionedLayout(int length) {
        int prefix = flagSlot + 1;
        return length <= prefix ? -1 : readout.unversionedLayout(length - prefix);
    }

    /**
     * An earlier layout of the readout's slice (the memories' slots and the flag are unchanged): copies
     * them and lets the readout migrate the rest.
     */
    @Override
    public boolean migrate(int layout, double[] stored, int from, int length, double[] into, int at) {
        int prefix = flagSlot + 1;
        if (length <= prefix || !readout.migrate(layout, stored, from + prefix, length - prefix, into, at + prefix)) {
            return false;
        }
        System.arraycopy(stored, from, into, at, prefix);
        return true;
    }

    /**
     * Each memory's views prefixed by its stage name ({@code lags.window}, {@code ema.labelAverages};
     * a repeated name gets its position appended), then the readout's views prefixed {@code readout.}.
     */
    @Override
    public Map<String, double[]> inspect(ModelState state) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < memories.length; i++) {
            for (Map.Entry<String, double[]> e : memories[i].inspect(state.values(), offsets[i]).entrySet()) {
                m.put(names[i] + "." + e.getKey(), e.getValue());
            }
        }
        ModelState inner = nested.load(state, state.updates()).copy();
        for (Map.Entry<String, double[]> e : readout.inspect(inner).entrySet()) {
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
