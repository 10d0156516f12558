package io.streamlearn.streams.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts, per reason, the records that were not scored (dead-lettered, or skipped by an exception
 * handler), and logs them without flooding the log: the first {@value #LOUD_PER_REASON} of each reason
 * at WARN with their detail, then DEBUG, plus one WARN summary at most every
 * {@value #SUMMARY_INTERVAL_MS} ms while new ones keep coming. Thread-safe: one instance is shared by
 * every stream thread and exception handler of an application.
 *
 * <pre>{@code
 * SkippedRecords skipped = new SkippedRecords();
 * skipped.record("malformed-json", "events-0@42", "Unexpected character");
 * skipped.count("malformed-json");   // 1
 * }</pre>
 */
public final class SkippedRecords {

    /**
     * Key under which an application puts its instance into the Kafka Streams configuration, so that
     * the exception handlers Kafka instantiates by class name count into the same object.
     */
    public static final String CONFIG_KEY = "streamlearn.internal.skipped-records";

    static final int LOUD_PER_REASON = 5;
    static final long SUMMARY_INTERVAL_MS = 30_000;
    private static final Logger LOG = LoggerFactory.getLogger(SkippedRecords.class);

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final AtomicLong lastSummary = new AtomicLong(System.currentTimeMillis());

    /**
     * Counts one skipped record and logs it (rate-limited).
     *
     * @param reason a short machine-readable word, e.g. {@code malformed-json}
     * @param where  where the record came from, e.g. {@code events-0@42}
     * @param detail human-readable detail; may be null
     */
    public void record(String reason, String where, String detail) {
        LongAdder a = counts.computeIfAbsent(reason, r -> new LongAdder());
        a.increment();
        long n = a.sum();
        if (n <= LOUD_PER_REASON) {
            LOG.warn("Skipped record {} ({}): {}{}", where, reason, detail,
                    n == LOUD_PER_REASON ? " [further '" + reason + "' records are logged at DEBUG]" : "");
        } else {
            LOG.debug("Skipped record {} ({}): {}", where, reason, detail);
            long now = System.currentTimeMillis();
            long last = lastSummary.get();
            if (now - last >= SUMMARY_INTERVAL_MS && lastSummary.compareAndSet(last, now)) {
                LOG.warn("Skipped records so far, by reason: {}", snapshot());
            }
        }
    }

    /** How many records were skipped for this reason. */
    public long count(String reason) {
        LongAdder a = counts.get(reason);
        return a == null ? 0 : a.sum();
    }

    /** Total over every reason. */
    public long total() {
        long t = 0;
        for (LongAdder a : counts.values()) {
            t += a.sum();
        }
        return t;
    }

    /** Counts by reason, sorted by reason. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** The instance an application put under {@link #CONFIG_KEY}, or a private one. */
    public static SkippedRecords from(Map<String, ?> configs) {
        Object o = configs == null ? null : configs.get(CONFIG_KEY);
        return o instanceof SkippedRecords s ? s : new SkippedRecords();
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
