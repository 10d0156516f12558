package io.streamlearn.streams.housekeeping;

import io.streamlearn.streams.control.ModelControl;
import io.streamlearn.streams.control.ModelControlProcessor;
import io.streamlearn.streams.labels.PendingLabels;
import io.streamlearn.streams.metrics.StreamlearnMeters;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * The wall-clock punctuations that look after one task's keys, scheduled on the context of the
 * processor that owns the task's stores:
 * <ul>
 *   <li>every {@code sweep-interval}: the pending-label store is swept by the task's event-time clock
 *       (see {@link PendingLabels#sweep()}) and, with a key TTL, the keys whose last event is older than
 *       the TTL are evicted (at most {@link KeyLifecycle#SCAN_BATCH} keys looked at per punctuation,
 *       resuming where the last one stopped);</li>
 *   <li>with a control topic, every second: the {@code forget:<key>} requests of the control store whose
 *       key this task owns (the events-topic partition of the key, by the default partitioner, equals the
 *       task's partition) are carried out, once per request, and each is acknowledged on
 *       {@code forget-acks} (see {@link ModelControl#forgetAck}).</li>
 * </ul>
 * Counts into the application's {@link StreamlearnMeters}: {@code streamlearn_evictions_total{cause=ttl|forget}}.
 * Task thread only.
 *
 * <pre>{@code
 * KeyHousekeeping housekeeping = new KeyHousekeeping(context, pending, lifecycle, meters);
 * housekeeping.scheduleSweep(Duration.ofSeconds(1));
 * housekeeping.scheduleForgetting(controlStore, eventPartitions, "forget-acks-sink");
 * }</pre>
 */
public final class KeyHousekeeping {

    private static final Logger LOG = LoggerFactory.getLogger(KeyHousekeeping.class);

    private final ProcessorContext<String, byte[]> context;
    private final PendingLabels pending;
    private final KeyLifecycle lifecycle;
    private final StreamlearnMeters meters;

    public KeyHousekeeping(ProcessorContext<String, byte[]> context, PendingLabels pending, KeyLifecycle lifecycle,
                           StreamlearnMeters meters) {
        this.context = context;
        this.pending = pending;
        this.lifecycle = lifecycle;
        this.meters = meters;
    }

    /** Sweeps the pending store and evicts idle keys every {@code interval} (wall clock). */
    public void scheduleSweep(Duration interval) {
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, now -> sweep());
    }

    /**
     * Carries out the forget requests of {@code control} for this task's keys every second.
     *
     * @param eventPartitions the events topic's partition count (0 while unknown: requests wait)
     * @param acksSink        the sink of the acknowledgements
     */
    public void scheduleForgetting(ReadOnlyKeyValueStore<String, String> control, IntSupplier eventPartitions,
                                   String acksSink) {
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME,
                now -> forgetRequested(control, eventPartitions.getAsInt(), acksSink));
    }

    private void sweep() {
        pending.sweep();
        if (!lifecycle.ttlEnabled()) {
            return;
        }
        int n = lifecycle.evictIdle(pending.clock());
        if (n > 0) {
            meters.evictions(StreamlearnMeters.TTL).increment(n);
            LOG.info("Task {} evicted {} keys idle for more than {} ms of event time", context.taskId(), n, lifecycle.ttlMs());
        }
    }

    private void forgetRequested(ReadOnlyKeyValueStore<String, String> control, int partitions, String acksSink) {
        if (partitions <= 0) {
            return;
        }
        int mine = context.taskId().partition();
        try (KeyValueIterator<String, String> it = control.prefixScan(ModelControlProcessor.FORGET, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                String key = kv.key.substring(ModelControlProcessor.FORGET.length());
                if (KeyLifecycle.partition(key, partitions) != mine || lifecycle.forgotten(key, kv.value)) {
                    continue;
                }
                int removed = lifecycle.forget(key);
                lifecycle.markForgotten(key, kv.value);
                meters.evictions(StreamlearnMeters.FORGET).increment();
                long now = context.currentSystemTimeMs();
                context.forward(new Record<>(key, ModelControl.forgetAck(key, now, removed), now), acksSink);
                LOG.info("Task {} forgot key '{}' (request {}): {} entries removed", context.taskId(), key, kv.value, removed);
            }
        }
    }
}
