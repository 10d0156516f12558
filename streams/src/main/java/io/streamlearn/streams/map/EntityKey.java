package io.streamlearn.streams.map;

/**
 * The entity key of a decoded record, or why it has none: the record key, else the key named in the
 * value; the two must agree when both are given, and the key may not contain U+0000 (the stores
 * reserve it). Either {@link #key()} is set, or {@link #reason()} and {@link #detail()} are.
 *
 * <pre>{@code
 * EntityKey k = EntityKey.of(record.key(), event.getKey());
 * if (!k.valid()) {
 *     deadLetters.send(record, k.reason(), k.detail());
 * }
 * }</pre>
 *
 * @param key    the entity key, or null
 * @param reason the dead-letter reason when there is no key ({@value #MISSING_KEY}, {@value #KEY_MISMATCH},
 *               {@value #INVALID_KEY}), else null
 * @param detail a sentence for the dead letter when there is no key, else null
 */
public record EntityKey(String key, String reason, String detail) {

    /** Neither the record nor the value names an entity key. */
    public static final String MISSING_KEY = "missing-key";
    /** The record key and the value's key differ (the record key decides the partition). */
    public static final String KEY_MISMATCH = "key-mismatch";
    /** The key contains U+0000, which the stores reserve. */
    public static final String INVALID_KEY = "invalid-key";

    /**
     * The entity key of a record whose key is {@code recordKey} and whose value names {@code bodyKey};
     * either may be null or empty. A null or empty record key takes the value's key.
     */
    public static EntityKey of(String recordKey, String bodyKey) {
        String key = recordKey;
        if (key == null || key.isEmpty()) {
            if (bodyKey == null || bodyKey.isEmpty()) {
                return new EntityKey(null, MISSING_KEY, "neither the record nor its value has a key");
            }
            key = bodyKey;
        } else if (bodyKey != null && !bodyKey.isEmpty() && !bodyKey.equals(key)) {
            return new EntityKey(null, KEY_MISMATCH, "record key '" + key + "' but value key '" + bodyKey + "'");
        }
        if (key.indexOf('\u0000') >= 0) {
            return new EntityKey(null, INVALID_KEY, "the key contains U+0000");
        }
        return new EntityKey(key, null, null);
    }

    /** Whether there is a key (else the record is dead-lettered with {@link #reason()}). */
    public boolean valid() {
        return key != null;
    }
}
