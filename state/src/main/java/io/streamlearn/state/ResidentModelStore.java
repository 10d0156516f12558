package io.streamlearn.state;

import io.streamlearn.learn.ModelState;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link ModelStore} for backtests that keeps each key's decoded states in memory between its events
 * instead of their bytes, so the scoring step neither decodes nor encodes them per event (issue #17).
 * The step asks for a key's {@link #slots}, one {@link ModelState} per model in the step's order, and
 * learns in them in place; everything else (the population priors' entries, and the keys beyond the
 * bound) stays bytes, through the {@link ModelStore} methods.
 *
 * <p>This is exact because every learner rounds its {@link io.streamlearn.learn.Storage#FLOAT FLOAT}
 * values after each change it makes: a state in memory is bit for bit what its bytes decode to
 * ({@code ResidentStateInvariantTest} checks it for every learner family), so the next event of the key
 * sees the same state either way.
 *
 * <p>Memory: a resident key costs its states' doubles (8 bytes each, against 4 for a compact
 * {@code FLOAT} value in bytes) plus about 150 bytes of objects. At most {@code maxResidentKeys} keys are
 * resident; keys first seen after that are kept as bytes, as {@link InMemoryModelStore} does, so a file
 * with more keys than fit still runs. {@link #entries()} encodes the resident states (for
 * {@code --final-states}). Not thread-safe.
 *
 * <pre>{@code
 * ResidentModelStore store = step.residentStore(1_000_000);
 * step.score("device-1", 1000L, features, 5.0, store, sink);
 * }</pre>
 */
public final class ResidentModelStore implements ModelStore {

    /** Encodes the resident state of the model at {@code index} in the step's order. */
    @FunctionalInterface
    public interface Encoder {
        byte[] encode(int index, ModelState state);
    }

    /** Objects around a resident key's states: map entry, slot array, ModelState headers (estimate). */
    private static final int KEY_OVERHEAD = 96;
    private static final int STATE_OVERHEAD = 48;

    private final int models;
    private final String[] names;
    private final Encoder encoder;
    private final long maxResidentKeys;
    private final Map<String, ModelState[]> resident = new HashMap<>();
    private final InMemoryModelStore bytes = new InMemoryModelStore();
    /** Entity keys kept as bytes because they came after the bound. */
    private final Map<String, Boolean> spilled = new HashMap<>();

    /**
     * @param names           the step's model names, in its order (each key's slots follow it)
     * @param encoder         encodes a model's state, for {@link #entries()}
     * @param maxResidentKeys keys kept resident at most; later keys are kept as bytes
     */
    public ResidentModelStore(List<String> names, Encoder encoder, long maxResidentKeys) {
        if (names.isEmpty() || maxResidentKeys < 0) {
            throw new IllegalArgumentException("models " + names + ", max resident keys " + maxResidentKeys);
        }
        this.names = names.toArray(new String[0]);
        this.models = this.names.length;
        this.encoder = encoder;
        this.maxResidentKeys = maxResidentKeys;
    }

    /**
     * The bound for a heap budget: as many keys as {@code budgetBytes} holds at
     * {@link #residentBytesPerKey} each (at least 1).
     */
    public static long maxKeysFor(long budgetBytes, int[] stateSizes) {
        return Math.max(1, budgetBytes / residentBytesPerKey(stateSizes));
    }

    /** Estimated heap bytes of one resident key whose models' states hold {@code stateSizes} doubles. */
    public static long residentBytesPerKey(int[] stateSizes) {
        long b = KEY_OVERHEAD + 8L * stateSizes.length;
        for (int n : stateSizes) {
            b += STATE_OVERHEAD + 8L * n;
        }
        return b;
    }

    /**
     * The key's resident states, one per model (a slot is null until the step first keeps a state of
     * that model), or null when the key is kept as bytes: it came after the bound, or {@code create} is
     * false and it has no resident states yet.
     */
    public ModelState[] slots(String key, boolean create) {
        ModelState[] s = resident.get(key);
        if (s != null || !create) {
            return s;
        }
        if (resident.size() >= maxResidentKeys || spilled.containsKey(key)) {
            spilled.put(key, Boolean.TRUE);
            return null;
        }
        s = new ModelState[models];
        resident.put(key, s);
        return s;
    }

    /** How many models each key's slots hold. */
    public int models() {
        return models;
    }

    /** Keys whose states are resident. */
    public int residentKeys() {
        return resident.size();
    }

    @Override
    public byte[] get(String key, String model) {
        return bytes.get(key, model);
    }

    @Override
    public void put(String key, String model, byte[] state) {
        bytes.put(key, model, state);
    }

    @Override
    public void delete(String key, String model) {
        bytes.delete(key, model);
    }

    /**
     * A read-only snapshot keyed by {@link ModelStore#storeKey}, sorted, as {@link InMemoryModelStore#entries}
     * gives: the byte entries and every resident state, encoded. Allocates.
     */
    public Map<String, byte[]> entries() {
        Map<String, byte[]> out = new TreeMap<>(bytes.entries());
        for (Map.Entry<String, ModelState[]> e : resident.entrySet()) {
            ModelState[] s = e.getValue();
            for (int i = 0; i < s.length; i++) {
                if (s[i] != null) {
                    out.put(ModelStore.storeKey(e.getKey(), names[i]), encoder.encode(i, s[i]));
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
