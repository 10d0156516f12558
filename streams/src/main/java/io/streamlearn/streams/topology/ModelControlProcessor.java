package io.streamlearn.streams.topology;

import io.streamlearn.streams.topology.errors.SkippedRecords;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.List;

/**
 * The global-store processor of {@code model-control}: validates each record with
 * {@link ModelControl#parse} and, when valid, stores its SPECs (champion first, newline-separated)
 * under the scope; a tombstone removes the scope. Every change bumps {@value #VERSION}, which tells the
 * scoring processors to re-read the table. A malformed record changes nothing: it is counted under
 * reason {@value ModelControl#BAD_CONTROL} in the application's {@link SkippedRecords} and logged.
 * (A global-store processor cannot forward, so it cannot write to {@code dead-letters}.)
 */
final class ModelControlProcessor implements Processor<String, byte[], Void, Void> {

    /** Change stamp entry of the control store; not a valid scope. */
    static final String VERSION = "!version";

    private final String storeName;
    private final int dimension;
    private final SkippedRecords skipped;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, String> store;

    ModelControlProcessor(String storeName, int dimension, SkippedRecords skipped) {
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
        if (record.value() == null) {
            if (ModelControl.validScope(scope)) {
                store.delete(scope);
                bump();
            } else {
                skipped.record(ModelControl.BAD_CONTROL, where, "tombstone for invalid scope '" + scope + "'");
            }
            return;
        }
        try {
            List<String> specs = ModelControl.parse(scope, record.value(), dimension);
            store.put(scope, String.join("\n", specs));
            bump();
        } catch (ModelControl.BadControlException e) {
            skipped.record(ModelControl.BAD_CONTROL, where, e.getMessage());
        }
    }

    private void bump() {
        String v = store.get(VERSION);
        store.put(VERSION, Long.toString(v == null ? 1 : Long.parseLong(v) + 1));
    }
}
