package io.streamlearn.streams.map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EntityKeyTest {

    @Test
    void shouldTakeTheRecordKeyElseTheValuesKey() {
        assertEquals(new EntityKey("a", null, null), EntityKey.of("a", null));
        assertEquals(new EntityKey("a", null, null), EntityKey.of("a", "a"));
        assertEquals(new EntityKey("b", null, null), EntityKey.of("", "b"));
        assertEquals(new EntityKey("b", null, null), EntityKey.of(null, "b"));
        assertTrue(EntityKey.of(null, "b").valid());
    }

    @Test
    void shouldNameTheReasonWhenThereIsNoUsableKey() {
        EntityKey missing = EntityKey.of(null, "");
        assertFalse(missing.valid());
        assertNull(missing.key());
        assertEquals(EntityKey.MISSING_KEY, missing.reason());
        EntityKey mismatch = EntityKey.of("a", "b");
        assertEquals(EntityKey.KEY_MISMATCH, mismatch.reason());
        assertEquals("record key 'a' but value key 'b'", mismatch.detail());
        assertEquals(EntityKey.INVALID_KEY, EntityKey.of("a\u0000b", null).reason());
    }
}
