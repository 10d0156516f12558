package io.streamlearn.streams.score;

import io.streamlearn.state.ModelStore;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The {@link ModelStore} view of a Kafka Streams key-value store: each (entity key, model) entry is
 * kept under {@link ModelStore#storeKey}. Writes go through the store's cache and changelog, so they
 * are part of the task's exactly-once transaction. Used from the task's thread only.
 */
public final class KeyValueModelStore implements ModelStore {

    private final KeyValueStore<String, byte[]> store;

    public KeyValueModelStore(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    @Override
    public byte[] get(String key, String model) {
        return store.get(ModelStore.storeKey(key, model));
    }

    @Override
    public void put(String key, String model, byte[] state) {
        store.put(ModelStore.storeKey(key, model), state);
    }

    @Override
    public void delete(String key, String model) {
        store.delete(ModelStore.storeKey(key, model));
    }
}
