package io.streamlearn.state;

import java.util.HashMap;
import java.util.Map;

/** A {@link ModelStore} on a {@link HashMap}, for backtests and tests. Not thread-safe. */
public final class InMemoryModelStore implements ModelStore {
    private final Map<String, byte[]> map = new HashMap<>();

    @Override
    public byte[] get(String key, String model) {
        return map.get(ModelStore.storeKey(key, model));
    }

    @Override
    public void put(String key, String model, byte[] state) {
        map.put(ModelStore.storeKey(key, model), state);
    }

    @Override
    public void delete(String key, String model) {
        map.remove(ModelStore.storeKey(key, model));
    }

    /** Number of entries. */
    public int size() {
        return map.size();
    }

    /** A read-only view, keyed by {@link ModelStore#storeKey}. */
    public Map<String, byte[]> entries() {
        return java.util.Collections.unmodifiableMap(map);
    }
}
