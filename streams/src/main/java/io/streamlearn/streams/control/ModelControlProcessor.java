package io.streamlearn.streams.control;

import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The global-store processor of {@code model-control}: validates each record with
 * {@link ModelControl#parse} and, when valid, stores its SPECs (champion first, newline-separated)
 * under the scope; a tombstone removes the scope. Every change bumps {@value #VERSION}, which tells the
 * scoring processors to re-read the table. A malformed record changes nothing: it is counted under
 * reason {@value ModelControl#BAD_CONTROL} in the application's {@link SkippedRecords}, logged, and
 * kept under {@code !bad:<partition>:<offset>} for {@link RejectedControlRecords} of task partition 0 to
 * write to {@code dead-letters} (a global-store processor cannot forward).
 */
public final class ModelControlProcessor implements Processor<String, byte[], Void, Void> {

    /** Change stamp entry of the control store; not a valid scope. */
    public static final String VERSION = "!version";
    /** Prefix of the forget requests ({@code !forget:<key>} = request id); not a valid scope. */
    public static final String FORGET = "!forget:";
    /** Prefix of the rejected records awaiting their dead letter; not a valid scope. */
    public static final String REJECTED = "!bad:";

    private final String storeName;
    private final int dimension;
    private final SkippedRecords skipped;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, String> store;

    public ModelControlProcessor(String storeName, int dimension, SkippedRecords skipped) {
        this.storeName = storeName;
        this.dimension = dimension;
        this.skipped = skipped;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String scope = record.key();
        String where = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
        if (scope != null && scope.startsWith(ModelControl.FORGET)) {
            String key = scope.substring(ModelControl.FORGET.length());
            if (key.isEmpty() || key.indexOf('\u0000') >= 0) {
                reject(record, where, "forget of an empty or invalid key");
            } else if (record.value() == null) {
                store.delete(FORGET + key);   // the request is compacted away; nothing to undo
            } else {
                // the request id tells a new request for the key from one already carried out
                store.put(FORGET + key, context.recordMetadata().map(m -> m.partition() + ":" + m.offset())
                        .orElse("t" + record.timestamp()));
            }
            return;
        }
        if (record.value() == null) {
            if (ModelControl.validScope(scope)) {
                store.delete(scope);
                bump();
            } else {
                reject(record, where, "tombstone for invalid scope '" + scope + "'");
            }
            return;
        }
        try {
            List<String> specs = ModelControl.parse(scope, record.value(), dimension);
            store.put(scope, String.join("\n", specs));
            bump();
        } catch (ModelControl.BadControlException e) {
            reject(record, where, e.getMessage());
        }
    }

    private void reject(Record<String, byte[]> record, String where, String detail) {
        skipped.record(ModelControl.BAD_CONTROL, where, detail);
        context.recordMetadata().ifPresent(m -> store.put(REJECTED + m.partition() + ":" + m.offset(),
                encode(record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8)) + "\n"
                        + encode(record.value()) + "\n" + m.topic() + "\n" + detail));
    }

    /** A rejected record kept in the store: its key and value (either may be null), topic and reason detail. */
    public record Rejected(int partition, long offset, String key, byte[] value, String topic, String detail) {
        public static Rejected decode(String storeKey, String stored) {
            String[] pos = storeKey.substring(REJECTED.length()).split(":");
            String[] parts = stored.split("\n", 4);
            byte[] k = parts[0].equals("-") ? null : Base64.getDecoder().decode(parts[0]);
            return new Rejected(Integer.parseInt(pos[0]), Long.parseLong(pos[1]),
                    k == null ? null : new String(k, StandardCharsets.UTF_8),
                    parts[1].equals("-") ? null : Base64.getDecoder().decode(parts[1]), parts[2], parts[3]);
        }
    }

    private static String encode(byte[] bytes) {
        return bytes == null ? "-" : Base64.getEncoder().encodeToString(bytes);
    }

    private void bump() {
        String v = store.get(VERSION);
        store.put(VERSION, Long.toString(v == null ? 1 : Long.parseLong(v) + 1));
    }
}
