package io.streamlearn.learn;

import io.streamlearn.learn.sgd.SgdLearner;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Creates learners from model SPECs: the one entry point the topology, the backtest and the
 * benchmarks use.
 *
 * <pre>{@code
 * Learner sgd = Learners.create("sgd:lr=0.05", 8);
 * Learner bank = Learners.create("kalman", 8);
 * }</pre>
 *
 * Known learner names are listed by {@link #names()}; each family documents its parameters on its
 * factory class.
 */
public final class Learners {

    private static final Map<String, LearnerFactory> READOUTS = new TreeMap<>();

    static {
        READOUTS.put("sgd", SgdLearner::fromSpec);
        READOUTS.put("mean", io.streamlearn.learn.baseline.MeanLearner::fromSpec);
        READOUTS.put("last", io.streamlearn.learn.baseline.LastLearner::fromSpec);
    }

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

    public static Learner create(ModelSpec spec, int dimension) {
        if (dimension < 0) {
            throw new IllegalArgumentException("dimension must be >= 0, got " + dimension);
        }
        if (spec.stages().size() > 1) {
            throw new IllegalArgumentException("memory stages are not supported yet: " + spec);
        }
        return readout(spec.readout(), dimension);
    }

    static Learner readout(ModelSpec.Stage stage, int dimension) {
        LearnerFactory f = READOUTS.get(stage.name());
        if (f == null) {
            throw new IllegalArgumentException("unknown model '" + stage.name() + "' (known: " + String.join(", ", READOUTS.keySet()) + ")");
        }
        ModelSpec.Params p = stage.reader();
        Learner l = f.create(p, dimension);
        p.requireAllRead();
        return l;
    }
}
