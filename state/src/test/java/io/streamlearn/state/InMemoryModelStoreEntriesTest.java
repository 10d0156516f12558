package io.streamlearn.state;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class InMemoryModelStoreEntriesTest {

    @Test
    void shouldKeepOneEntryPerKeyAndModelAndListThemByStoreKey() {
        InMemoryModelStore store = new InMemoryModelStore();
        store.put("k1", "sgd", new byte[] {1});
        store.put("k1", "mean", new byte[] {2});
        store.put("k2", "sgd", new byte[] {3});
        store.put("k1", "sgd", new byte[] {4});   // replaces
        assertEquals(3, store.size());
        assertArrayEquals(new byte[] {4}, store.get("k1", "sgd"));
        assertNull(store.get("k2", "mean"));
        assertNull(store.get("k3", "sgd"));
        assertEquals(List.of(ModelStore.storeKey("k1", "mean"), ModelStore.storeKey("k1", "sgd"), ModelStore.storeKey("k2", "sgd")),
                List.copyOf(store.entries().keySet()));
        store.delete("k1", "sgd");
        store.delete("k1", "sgd");
        store.delete("k9", "sgd");
        assertEquals(2, store.size());
        assertNull(store.get("k1", "sgd"));
        assertArrayEquals(new byte[] {2}, store.get("k1", "mean"));
        store.delete("k1", "mean");
        assertEquals(1, store.entries().size());
    }
}
