package io.streamlearn.streams.control;

import io.streamlearn.streams.publish.DeadLetters;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.time.Duration;

/**
 * Writes the control records the global store rejected to {@code dead-letters} with reason
 * {@value ModelControl#BAD_CONTROL}, once each, within a second: a global-store processor cannot
 * forward, so {@link ModelControlProcessor} keeps them in the store and the processor of task partition
 * 0 schedules this. A marker in that task's (changelogged) {@code markers} store remembers which were
 * written, in the same transaction. Task thread only.
 *
 * <pre>{@code
 * if (context.taskId().partition() == 0) {
 *     new RejectedControlRecords(controlStore, pendingStore, deadLetters).schedule(context);
 * }
 * }</pre>
 */
public final class RejectedControlRecords {

    private final ReadOnlyKeyValueStore<String, String> control;
    private final KeyValueStore<String, byte[]> markers;
    private final DeadLetters deadLetters;

    public RejectedControlRecords(ReadOnlyKeyValueStore<String, String> control, KeyValueStore<String, byte[]> markers,
                                  DeadLetters deadLetters) {
        this.control = control;
        this.markers = markers;
        this.deadLetters = deadLetters;
    }

    /** Dead-letters the rejected records every second (wall clock). */
    public void schedule(ProcessorContext<?, ?> context) {
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> deadLetterRejected());
    }

    private void deadLetterRejected() {
        try (KeyValueIterator<String, String> it = control.prefixScan(ModelControlProcessor.REJECTED, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                String done = ModelControl.BAD_CONTROL + kv.key;
                if (markers.get(done) != null) {
                    continue;
                }
                ModelControlProcessor.Rejected r = ModelControlProcessor.Rejected.decode(kv.key, kv.value);
                deadLetters.send(r.topic(), r.partition(), r.offset(), r.key(), r.value(), ModelControl.BAD_CONTROL, r.detail());
                markers.put(done, new byte[0]);
            }
        }
    }
}
