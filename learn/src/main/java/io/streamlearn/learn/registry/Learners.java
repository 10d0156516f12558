package io.streamlearn.learn.registry;

import io.streamlearn.learn.Learner;
import io.streamlearn.learn.ModelSpec;
import io.streamlearn.learn.conformal.Conformal;
import io.streamlearn.learn.drift.DriftGuard;
import io.streamlearn.learn.memory.CompositeLearner;
import io.streamlearn.learn.memory.DeltaLearner;
import io.streamlearn.learn.memory.Memories;
import io.streamlearn.learn.memory.Memory;
import io.streamlearn.learn.sgd.SgdLearner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Creates learners from model SPECs: the one entry point the topology, the backtest and the
 * benchmarks use.
 *
 * <pre>{@code
 * Learner sgd = Learners.create("sgd:lr=0.05", 8);
 * Learner bank = Learners.create("kalman", 8);
 * Learner ar = Learners.create("lags:p=24+ema:tau=1h/1d+sgd", 8);
 * }</pre>
 *
 * Known learner names are listed by {@link #names()}; each family documents its parameters on its
 * factory class.
 *
 * <p><b>Composition.</b> A SPEC is stages joined by {@code '+'} ({@link ModelSpec}):
 * <pre>
 *   spec := (memory '+')* ('drift' params '+')? readout
 * </pre>
 * The last stage is the readout, a name of {@link #readouts()} ({@code sgd}, {@code delta}, and
 * {@code kalman}/{@code rls} where registered). Every stage before it is a recurrent memory of
 * {@link Memories} ({@code lags}, {@code ema}, {@code ssm}, {@code delta}), except that the stage just
 * before the readout may be the drift guard ({@link DriftGuard}). With memories the result is a
 * {@link CompositeLearner}: its readout is built for dimension {@code d + Σ memory outputs} and sees the
 * event's features followed by each memory's features, in SPEC order. Examples:
 * {@code lags:p=24+kalman}, {@code ema:tau=1h/1d+sgd}, {@code lags:p=24,split=dlinear+ssm:n=16+rls},
 * {@code delta:dk=16,dv=16+sgd}, {@code drift:detector=adwin,action=inflate+kalman},
 * {@code lags:p=24+drift:detector=ph+sgd}.
 */
public final class Learners {

    private static final Map<String, LearnerFactory> READOUTS = new TreeMap<>();

    static {
        READOUTS.put("delta", DeltaLearner::fromSpec);
        READOUTS.put("sgd", SgdLearner::fromSpec);
        READOUTS.put("mean", io.streamlearn.learn.baseline.MeanLearner::fromSpec);
        READOUTS.put("last", io.streamlearn.learn.baseline.LastLearner::fromSpec);
        READOUTS.put("kalman", io.streamlearn.learn.kalman.KalmanLearners::kalman);
        READOUTS.put("rls", io.streamlearn.learn.kalman.RlsLearner::fromSpec);
        READOUTS.put("auto", (p, d) -> io.streamlearn.learn.auto.AutoLearner.fromSpec(p, d, Learners::create));
    }

    /**
     * Readout parameter that chooses how the model's new keys start, read by the runtime rather than
     * the learner ({@code coldstart=population|none}; {@code default} or absent: the application's
     * setting); it is not part of the learner's {@link Learner#spec()}, so states stay compatible.
     */
    public static final String COLD_START = "coldstart";

    private Learners() {
    }

    /** Names a SPEC's readout stage may use. */
    public static Map<String, LearnerFactory> readouts() {
        return Collections.unmodifiableMap(READOUTS);
    }

    public static java.util.Set<String> names() {
        return readouts().keySet();
    }

    /**
     * Builds the learner a SPEC names, for {@code dimension} input features.
     *
     * @throws IllegalArgumentException for an unknown name or parameter, or a bad value
     */
    public static Learner create(String spec, int dimension) {
        return create(ModelSpec.parse(spec), dimension);
    }

    /**
     * The learner a deployment runs for a SPEC: {@link #create} and, when it has a predictive standard
     * deviation, calibrated 80% and 95% intervals kept in each key's state ({@link Conformal}). Its SPEC
     * and fingerprint are {@link #create}'s; its state has two values more. The scoring step, and so
     * the topology, the backtest and the HTTP endpoint, run every model through this.
     *
     * <pre>{@code
     * Learner model = Learners.model("kalman", 3);   // predictions carry lower80()..upper95()
     * }</pre>
     */
    public static Learner model(String spec, int dimension) {
        return Conformal.wrap(create(spec, dimension));
    }

    public static Learner create(ModelSpec spec, int dimension) {
        if (dimension < 0) {
            throw new IllegalArgumentException("dimension must be >= 0, got " + dimension);
        }
        List<ModelSpec.Stage> stages = spec.stages();
        if (stages.size() == 1) {
            return readout(spec.readout(), dimension);
        }
        int last = stages.size() - 1;
        boolean guarded = stages.get(last - 1).name().equals("drift");
        List<Memory> memories = new ArrayList<>();
        int inputs = dimension;
        for (int i = 0; i < (guarded ? last - 1 : last); i++) {
            ModelSpec.Stage stage = stages.get(i);
            if (stage.name().equals("drift")) {
                throw new IllegalArgumentException("drift must come just before the readout, in '" + spec + "'");
            }
            Memory m = Memories.create(stage, dimension);
            memories.add(m);
            inputs += m.outputs();
        }
        Learner readout = readout(spec.readout(), inputs);
        if (guarded) {
            readout = DriftGuard.fromSpec(stages.get(last - 1).reader(), readout);
        }
        return memories.isEmpty() ? readout : new CompositeLearner(dimension, memories, readout);
    }

    static Learner readout(ModelSpec.Stage stage, int dimension) {
        LearnerFactory f = READOUTS.get(stage.name());
        if (f == null) {
            throw new IllegalArgumentException("unknown model '" + stage.name() + "' (known: " + String.join(", ", READOUTS.keySet()) + ")");
        }
        ModelSpec.Params p = stage.reader();
        p.choice(COLD_START, "default", "default", "population", "none");
        Learner l = f.create(p, dimension);
        p.requireAllRead();
        return l;
    }
}
