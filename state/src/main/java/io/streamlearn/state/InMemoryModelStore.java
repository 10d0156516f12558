package io.streamlearn.state;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link ModelStore} on hash maps, for backtests and tests. Not thread-safe.
 *
 * <p>Entries are kept per entity key, then per model name, so a lookup hashes the two strings it is
 * given (whose hashes Java caches) instead of building a {@link ModelStore#storeKey} per call: on the
 * backtest's per-event path this saves two string concatenations and two hashes of fresh strings per
 * model.
 */
public final class InMemoryModelStore implements ModelStore {
    private final Map<String, Map<String, byte[]>> map = new HashMap<>();
    private int size;

    @Override
    public byte[] get(String key, String model) {
        Map<String, byte[]> models = map.get(key);
        return models == null ? null : models.get(model);
    }

    @Override
    public void put(String key, String model, byte[] state) {
        if (map.computeIfAbsent(key, k -> new HashMap<>(4)).put(model, state) == null) {
            size++;
        }
    }

    @Override
    public void delete(String key, String model) {
        Map<String, byte[]> models = map.get(key);
        if (models != null && models.remove(model) != null) {
            size--;
            if (models.isEmpty()) {
                map.remove(key);
            }
        }
    }

    /** Number of entries. */
    public int size() {
        return size;
    }

    /** A read-only snapshot keyed by {@link ModelStore#storeKey}, sorted. Allocates; not for hot paths. */
    public Map<String, byte[]> entries() {
        Map<String, byte[]> out = new TreeMap<>();
        for (Map.Entry<String, Map<String, byte[]>> k : map.entrySet()) {
            for (Map.Entry<String, byte[]> m : k.getValue().entrySet()) {
                out.put(ModelStore.storeKey(k.getKey(), m.getKey()), m.getValue());
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
