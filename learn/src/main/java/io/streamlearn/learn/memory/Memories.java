package io.streamlearn.learn.memory;

import io.streamlearn.learn.ModelSpec;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry of memory stages: the names a SPEC may use before its readout.
 *
 * <pre>{@code
 * Memory lags = Memories.create(ModelSpec.parse("lags:p=24").readout(), 3);
 * }</pre>
 */
public final class Memories {

    /** Builds a memory of one family from its stage parameters and the input dimension. */
    @FunctionalInterface
    public interface Factory {
        Memory create(ModelSpec.Params params, int dimension);
    }

    private static final Map<String, Factory> FACTORIES = new TreeMap<>();

    static {
        FACTORIES.put("lags", LagMemory::fromSpec);
        FACTORIES.put("ema", EmaMemory::fromSpec);
        FACTORIES.put("ssm", SsmMemory::fromSpec);
        FACTORIES.put("delta", DeltaMemory::fromSpec);
        FACTORIES.put("season", SeasonMemory::fromSpec);
        FACTORIES.put("profile", ProfileMemory::fromSpec);
    }

    private Memories() {
    }

    /** Names of the memory stages. */
    public static Map<String, Factory> factories() {
        return Collections.unmodifiableMap(FACTORIES);
    }

    /**
     * Builds the memory a stage names, refusing unknown parameters.
     *
     * @throws IllegalArgumentException for an unknown memory name or a bad parameter
     */
    public static Memory create(ModelSpec.Stage stage, int dimension) {
        Factory f = FACTORIES.get(stage.name());
        if (f == null) {
            throw new IllegalArgumentException("'" + stage.name() + "' is not a memory; stages before the readout must be one of "
                    + String.join(", ", FACTORIES.keySet()) + " (or drift, just before the readout)");
        }
        ModelSpec.Params p = stage.reader();
        Memory m = f.create(p, dimension);
        p.requireAllRead();
        return m;
    }
}
