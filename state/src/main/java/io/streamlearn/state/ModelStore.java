package io.streamlearn.state;

/**
 * Where state bytes live, one entry per (entity key, model name). The live topology adapts a Kafka
 * Streams RocksDB store to it; backtests use {@link InMemoryModelStore}. Implementations need not be
 * thread-safe: one scoring step uses one store from one thread.
 */
public interface ModelStore {

    /** The state bytes of {@code model} for {@code key}, or null if there are none. */
    byte[] get(String key, String model);

    /** Stores state bytes; the store may keep the array, so the caller must not reuse it. */
    void put(String key, String model, byte[] state);

    /** Removes the entry, if any. */
    void delete(String key, String model);

    /**
     * The single string under which a byte store keeps the entry: the entity key first, so a prefix
     * scan by entity key finds all its models; {@code U+0000} cannot occur in a valid entity key.
     */
    static String storeKey(String key, String model) {
        return key + '\u0000' + model;
    }

    /** The entity key part of a {@link #storeKey}. */
    static String entityKey(String storeKey) {
        int i = storeKey.indexOf('\u0000');
        return i < 0 ? storeKey : storeKey.substring(0, i);
    }

    /** The model part of a {@link #storeKey}, or "" when there is none. */
    static String modelName(String storeKey) {
        int i = storeKey.indexOf('\u0000');
        return i < 0 ? "" : storeKey.substring(i + 1);
    }
}
