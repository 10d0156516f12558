package io.streamlearn.streams.housekeeping;

import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.streams.score.KeyValueModelStore;
import io.streamlearn.streams.score.PopulationPriors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The life cycle of the keys of one task: when each key was last seen, eviction of idle keys
 * (time-to-live), and forgetting a key on request. Entries it keeps in the task's pending-label store
 * (see {@link PendingLabels} for the others):
 * <ul>
 *   <li>{@code s<key>}: the largest event time of the key (8 bytes), kept only when a TTL is set;</li>
 *   <li>{@code f<key>\0<request id>}: a forget request already carried out.</li>
 * </ul>
 * Deleting through the stores writes tombstones to their changelogs, so a restored task does not bring
 * an evicted or forgotten key back. Used from the task's thread only.
 *
 * <pre>{@code
 * KeyLifecycle life = new KeyLifecycle(modelsStore, pendingStore, Duration.ofDays(30).toMillis());
 * life.touch("user-1", eventTime);                 // per event
 * int evicted = life.evictIdle(pending.clock());    // per punctuation, at most SCAN_BATCH keys looked at
 * }</pre>
 */
public final class KeyLifecycle {

    /** Dead-letter reason of an event refused by the max-keys guard. */
    public static final String MAX_KEYS = "max-keys";
    /** The most last-seen entries one {@link #evictIdle} call reads. */
    public static final int SCAN_BATCH = 1000;

    private static final String SEEN = "s";
    private static final String FORGOTTEN = "f";
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, byte[]> models;
    private final KeyValueStore<String, byte[]> pending;
    private final long ttlMs;
    /** The last {@code s<key>} entry the previous scan read, or null to start from the first. */
    private String resumeAfter;

    /** @param ttlMs time-to-live of idle keys in event time, 0 for none */
    public KeyLifecycle(KeyValueStore<String, byte[]> models, KeyValueStore<String, byte[]> pending, long ttlMs) {
        this.models = models;
        this.pending = pending;
        this.ttlMs = ttlMs;
    }

    /** The time-to-live of idle keys in event time, 0 for none. */
    public long ttlMs() {
        return ttlMs;
    }

    public boolean ttlEnabled() {
        return ttlMs > 0;
    }

    /** Records that {@code key} had an event at {@code time} (no-op without a TTL). */
    public void touch(String key, long time) {
        if (ttlMs <= 0) {
            return;
        }
        byte[] b = pending.get(SEEN + key);
        if (b == null || ByteBuffer.wrap(b).getLong() < time) {
            pending.put(SEEN + key, ByteBuffer.allocate(8).putLong(time).array());
        }
    }

    /**
     * Evicts the keys last seen more than the TTL before {@code clock}, reading at most
     * {@link #SCAN_BATCH} last-seen entries from where the previous call stopped (wrapping around).
     *
     * @return the number of keys evicted
     */
    public int evictIdle(long clock) {
        if (ttlMs <= 0 || clock == Long.MIN_VALUE) {
            return 0;
        }
        long before = clock - ttlMs;
        List<String> idle = new ArrayList<>();
        int read = 0;
        String last = null;
        // Keys never contain U+0000, so "s<key>\0" is the first possible entry after "s<key>"; "t" ends the s-range.
        String from = resumeAfter == null ? SEEN : resumeAfter + '\u0000';
        try (KeyValueIterator<String, byte[]> it = pending.range(from, "t")) {
            while (it.hasNext() && read < SCAN_BATCH) {
                KeyValue<String, byte[]> kv = it.next();
                if (!kv.key.startsWith(SEEN)) {
                    break;
                }
                read++;
                last = kv.key;
                if (kv.value != null && ByteBuffer.wrap(kv.value).getLong() < before) {
                    idle.add(kv.key.substring(SEEN.length()));
                }
            }
        }
        resumeAfter = read < SCAN_BATCH ? null : last;
        for (String key : idle) {
            deleteModels(key);
            pending.delete(SEEN + key);
        }
        return idle.size();
    }

    /**
     * Deletes every model state and pending event of {@code key}.
     *
     * @return the number of entries deleted (model states plus pending events)
     */
    public int forget(String key) {
        int n = deleteModels(key);
        n += deletePrefix(pending, PendingLabels.entryKey(key, ""));
        pending.delete(SEEN + key);
        return n;
    }

    /** Whether forget request {@code requestId} for {@code key} was carried out already. */
    public boolean forgotten(String key, String requestId) {
        return pending.get(FORGOTTEN + key + '\u0000' + requestId) != null;
    }

    public void markForgotten(String key, String requestId) {
        pending.put(FORGOTTEN + key + '\u0000' + requestId, new byte[0]);
    }

    /** Whether {@code key} has a state of any of {@code modelSpecs}. */
    public boolean hasModel(String key, List<String> modelSpecs) {
        for (String m : modelSpecs) {
            if (models.get(io.streamlearn.state.ModelStore.storeKey(key, m)) != null) {
                return true;
            }
        }
        return false;
    }

    /** The approximate number of entries (one per key and model) of the models store. */
    public long approximateModelEntries() {
        return models.approximateNumEntries();
    }

    /** The partition the default producer partitioner gives a record with String key {@code key}. */
    public static int partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * Deletes the key's model states; first takes each of its contributions out of the task's
     * population priors ({@link PopulationPriors#forget}), so a forgotten or evicted key stops
     * shaping the prior of new keys at once. Contribution entries are not counted as models.
     */
    private int deleteModels(String key) {
        String prefix = io.streamlearn.state.ModelStore.storeKey(key, "");
        List<String> contributions = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = models.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                String model = io.streamlearn.state.ModelStore.modelName(it.next().key);
                if (model.startsWith(PopulationPriors.CONTRIBUTION)) {
                    contributions.add(model.substring(PopulationPriors.CONTRIBUTION.length()));
                }
            }
        }
        KeyValueModelStore store = new KeyValueModelStore(models);
        for (String model : contributions) {
            PopulationPriors.forget(store, key, model);
        }
        return deletePrefix(models, prefix);
    }

    private static int deletePrefix(KeyValueStore<String, byte[]> store, String prefix) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                keys.add(it.next().key);
            }
        }
        keys.forEach(store::delete);
        return keys.size();
    }
}
