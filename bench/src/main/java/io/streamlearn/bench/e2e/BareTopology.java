package io.streamlearn.bench.e2e;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.Map;

/**
 * The baseline of the end-to-end benchmark: the same shape as the Streamlearn topology (String key,
 * raw bytes in; one RocksDB store, cached and changelogged, String to byte[]; raw bytes out) but no
 * decoding and no learning. Per record it gets the key's state, writes a fixed-size byte[] back (a
 * copy of the old one with a counter bumped, as a learner's state would be re-encoded) and forwards
 * the record unchanged (same key, value, timestamp and headers).
 *
 * <pre>{@code
 * Topology t = BareTopology.build("events", "predictions", "models", 256);
 * KafkaStreams streams = new KafkaStreams(t, StreamlearnApp.streamsProperties(config, new SkippedRecords()));
 * }</pre>
 */
public final class BareTopology {

    private BareTopology() {
    }

    /**
     * @param stateBytes size of the value written to the store per record
     */
    public static Topology build(String eventsTopic, String outputTopic, String storeName, int stateBytes) {
        if (stateBytes < 8) {
            throw new IllegalArgumentException("stateBytes must be at least 8, got " + stateBytes);
        }
        StoreBuilder<KeyValueStore<String, byte[]>> store =
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName), Serdes.String(), Serdes.ByteArray())
                        .withCachingEnabled()
                        .withLoggingEnabled(Map.of());
        Topology t = new Topology();
        t.addSource("source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), eventsTopic);
        t.addProcessor("get-put-forward", () -> new GetPutForward(storeName, stateBytes), "source");
        t.addStateStore(store, "get-put-forward");
        t.addSink("sink", outputTopic, Serdes.String().serializer(), Serdes.ByteArray().serializer(), "get-put-forward");
        return t;
    }

    private static final class GetPutForward implements Processor<String, byte[], String, byte[]> {
        private final String storeName;
        private final int stateBytes;
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> store;

        GetPutForward(String storeName, int stateBytes) {
            this.storeName = storeName;
            this.stateBytes = stateBytes;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(storeName);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            byte[] old = store.get(record.key());
            byte[] next = new byte[stateBytes];
            if (old != null) {
                System.arraycopy(old, 0, next, 0, Math.min(old.length, stateBytes));
            }
            long count = 0;
            for (int i = 0; i < 8; i++) {
                count = (count << 8) | (next[i] & 0xFF);
            }
            count++;
            for (int i = 7; i >= 0; i--) {
                next[i] = (byte) count;
                count >>>= 8;
            }
            store.put(record.key(), next);
            context.forward(record);
        }
    }
}
