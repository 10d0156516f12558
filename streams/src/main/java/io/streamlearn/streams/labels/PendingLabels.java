package io.streamlearn.streams.labels;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events that wait for their label, in one changelogged key-value store of a task. Three kinds
 * of entries share the store:
 * <ul>
 *   <li>{@code e<key>\0<event id>}: the event's status, its time and, while it is {@link Status#PENDING},
 *       its features. The entity key never contains U+0000 (the processors check it), so the split is
 *       unambiguous; an event id is unique per key.</li>
 *   <li>{@code h<time, 19 digits>\0<key>\0<id>} and {@code x<time, 19 digits>\0<key>\0<id>}: time indexes
 *       of the entries that must turn into an expired marker (at event time + horizon) and be deleted
 *       (at event time + 2 horizons); the zero-padded time sorts lexicographically, so a sweep reads only
 *       what is due.</li>
 *   <li>{@value #CLOCK}: the task's event-time clock, the largest event or label time it has processed.</li>
 * </ul>
 * Life of an unlabelled event of time {@code t}, with horizon {@code H} and clock {@code c}:
 * {@code PENDING} (its features kept) → on its label, {@code LABELLED} (features dropped, a marker so a
 * second label is a duplicate); when {@code c > t + H}, a {@code PENDING} entry becomes {@code EXPIRED}
 * (a marker without features); when {@code c > t + 2H} the entry is deleted, and a label for it is then
 * an unknown event. Used from the task's thread only.
 */
public final class PendingLabels {

    /** What is known of an event that did not carry its label. */
    public enum Status { PENDING, LABELLED, EXPIRED }

    /**
     * One entry, decoded. {@code models} and {@code means} are the predictions published for a pending
     * event (entries written before they were kept have none: null).
     */
    public record Entry(Status status, long time, Map<String, Double> features, String[] models, double[] means) {
    }

    /** Status byte of a pending entry that also holds its published predictions (format of 2026-11-27 on). */
    private static final int PENDING_WITH_PREDICTIONS = 3;

    public static final String CLOCK = "clock";

    private final KeyValueStore<String, byte[]> store;
    private final long horizonMs;

    private final int sweepBatch;
    private final int sweepLimit;

    public PendingLabels(KeyValueStore<String, byte[]> store, long horizonMs) {
        this(store, horizonMs, SWEEP_BATCH, SWEEP_LIMIT);
    }

    /** With other sweep bounds than {@link #SWEEP_BATCH} and {@link #SWEEP_LIMIT} (tests). */
    PendingLabels(KeyValueStore<String, byte[]> store, long horizonMs, int sweepBatch, int sweepLimit) {
        this.store = store;
        this.horizonMs = horizonMs;
        this.sweepBatch = sweepBatch;
        this.sweepLimit = sweepLimit;
    }

    public long horizonMs() {
        return horizonMs;
    }

    /** The task's event-time clock, or {@link Long#MIN_VALUE} before the first record. */
    public long clock() {
        byte[] b = store.get(CLOCK);
        return b == null ? Long.MIN_VALUE : readLong(b);
    }

    /** Moves the clock forward to {@code time} (never back); returns the clock. */
    public long advanceClock(long time) {
        long c = clock();
        if (time > c) {
            store.put(CLOCK, longBytes(time));
            return time;
        }
        return c;
    }

    /** Whether an event of {@code eventTime} is past the horizon at clock {@code clock}. */
    public boolean expired(long eventTime, long clock) {
        return clock != Long.MIN_VALUE && eventTime < clock - horizonMs;
    }

    public Entry get(String key, String id) {
        byte[] b = store.get(entryKey(key, id));
        return b == null ? null : decode(b);
    }

    /**
     * Keeps an unlabelled event's features until its label comes. An entry that exists already (the
     * same event id sent twice) is left as it is, so a labelled event is never learned from twice.
     * With {@code models} (null: none) it also keeps the first {@code count} published predictions
     * ({@code models[i]} predicted {@code means[i]}), so that the error of the event can be measured
     * against what was published when its label comes.
     *
     * @return whether the event was added
     */
    public boolean add(String key, String id, long time, Map<String, Double> features, String[] models, double[] means, int count) {
        String k = entryKey(key, id);
        if (store.get(k) != null) {
            return false;
        }
        store.put(k, encode(Status.PENDING, time, features, models, means, count));
        store.put(indexKey('h', time, key, id), new byte[0]);
        return true;
    }

    /** Marks the event labelled and drops its features. */
    public void markLabelled(String key, String id, long time) {
        store.put(entryKey(key, id), encode(Status.LABELLED, time, null));
    }

    /** Index entries read into memory at once by a sweep: bounds the heap a sweep needs. */
    public static final int SWEEP_BATCH = 10_000;
    /**
     * Index entries (of each kind) one {@link #sweep()} handles at most; the rest wait for the next sweep. Bounds
     * the time a punctuation holds the stream thread when a burst of events expires at once.
     */
    public static final int SWEEP_LIMIT = 200_000;

    /**
     * Turns pending entries of events older than the horizon into expired markers and deletes the
     * entries older than two horizons, according to the clock: at most {@link #SWEEP_LIMIT} of each, read
     * {@link #SWEEP_BATCH} at a time (a label is judged expired by the clock whether or not a sweep has reached
     * its entry yet, so a backlog only delays freeing the disk).
     *
     * @return the number of entries expired and deleted
     */
    public int sweep() {
        long clock = clock();
        if (clock == Long.MIN_VALUE) {
            return 0;
        }
        int n = 0;
        String from = "h";
        for (int done = 0; done < sweepLimit; ) {
            List<String[]> batch = due('h', clock - horizonMs, from, Math.min(sweepBatch, sweepLimit - done));
            for (String[] due : batch) {
                String k = entryKey(due[1], due[2]);
                byte[] b = store.get(k);
                if (b != null && b[0] == Status.PENDING.ordinal()) {
                    store.put(k, encode(Status.EXPIRED, Long.parseLong(due[0]), null));
                }
                store.delete(due[3]);
                store.put(indexKey('x', Long.parseLong(due[0]), due[1], due[2]), new byte[0]);
                n++;
            }
            done += batch.size();
            if (batch.size() < sweepBatch) {
                break;
            }
            from = batch.get(batch.size() - 1)[3] + '\u0000'; // the least key after the last one handled
        }
        from = "x";
        for (int done = 0; done < sweepLimit; ) {
            List<String[]> batch = due('x', clock - 2 * horizonMs, from, Math.min(sweepBatch, sweepLimit - done));
            for (String[] due : batch) {
                store.delete(entryKey(due[1], due[2]));
                store.delete(due[3]);
                n++;
            }
            done += batch.size();
            if (batch.size() < sweepBatch) {
                break;
            }
            from = batch.get(batch.size() - 1)[3] + '\u0000';
        }
        return n;
    }

    /**
     * Up to {@code limit} index entries of the given kind, from the key {@code from} on, with time {@code < before}:
     * {time, key, id, index key}.
     */
    private List<String[]> due(char kind, long before, String from, int limit) {
        List<String[]> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(from, String.valueOf((char) (kind + 1)))) {
            while (it.hasNext() && out.size() < limit) {
                KeyValue<String, byte[]> kv = it.next();
                String ik = kv.key;
                if (ik.isEmpty() || ik.charAt(0) != kind) {
                    break;
                }
                int a = ik.indexOf('\u0000');
                int b = ik.indexOf('\u0000', a + 1);
                long time = Long.parseLong(ik.substring(1, a));
                if (time >= before) {
                    break;
                }
                out.add(new String[]{ik.substring(1, a), ik.substring(a + 1, b), ik.substring(b + 1), ik});
            }
        }
        return out;
    }

    public static String entryKey(String key, String id) {
        return "e" + key + '\u0000' + id;
    }

    /** Times before 1970 (not expected for events) are indexed as 0, that is swept first. */
    public static String indexKey(char kind, long time, String key, String id) {
        return kind + String.format("%019d", Math.max(0, time)) + '\u0000' + key + '\u0000' + id;
    }

    public static byte[] encode(Status status, long time, Map<String, Double> features) {
        return encode(status, time, features, null, null, 0);
    }

    /**
     * Layout: status byte (0 pending, 1 labelled, 2 expired, 3 pending with predictions), event time
     * (8 bytes); for a pending event its features (int count, then UTF name and double value each) and,
     * with status 3, its predictions (int count, then UTF model and double mean each).
     */
    public static byte[] encode(Status status, long time, Map<String, Double> features, String[] models, double[] means, int count) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + (features == null ? 0 : 16 * features.size()) + 24 * count);
        boolean withPredictions = status == Status.PENDING && models != null;
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(withPredictions ? PENDING_WITH_PREDICTIONS : status.ordinal());
            out.writeLong(time);
            if (features != null) {
                out.writeInt(features.size());
                for (Map.Entry<String, Double> f : features.entrySet()) {
                    out.writeUTF(f.getKey());
                    out.writeDouble(f.getValue() == null ? Double.NaN : f.getValue());
                }
            }
            if (withPredictions) {
                out.writeInt(count);
                for (int i = 0; i < count; i++) {
                    out.writeUTF(models[i]);
                    out.writeDouble(means[i]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Entry decode(byte[] b) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b))) {
            int code = in.readByte();
            boolean withPredictions = code == PENDING_WITH_PREDICTIONS;
            Status status = withPredictions ? Status.PENDING : Status.values()[code];
            long time = in.readLong();
            Map<String, Double> features = null;
            String[] models = null;
            double[] means = null;
            if (status == Status.PENDING) {
                int n = in.readInt();
                features = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    features.put(in.readUTF(), in.readDouble());
                }
            }
            if (withPredictions) {
                int n = in.readInt();
                models = new String[n];
                means = new double[n];
                for (int i = 0; i < n; i++) {
                    models[i] = in.readUTF();
                    means[i] = in.readDouble();
                }
            }
            return new Entry(status, time, features, models, means);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] longBytes(long v) {
        return java.nio.ByteBuffer.allocate(8).putLong(v).array();
    }

    private static long readLong(byte[] b) {
        return java.nio.ByteBuffer.wrap(b).getLong();
    }
}
