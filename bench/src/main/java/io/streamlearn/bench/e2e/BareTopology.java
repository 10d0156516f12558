package io.streamlearn.bench.e2e;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The baseline of the end-to-end benchmark: the same shape as the Streamlearn topology (String key,
 * raw bytes in; RocksDB stores, cached (as far as {@code statestore.cache.max.bytes} allows) and
 * changelogged, String to byte[]; raw bytes out) but no decoding and no learning.
 * <p>
 * Per event, for each model {@code i} (one state size per model): it gets the entry
 * {@code key\0m<i>} of the models store, writes a byte[] of that model's state size back (a copy of
 * the old one with a counter bumped, as a learner's state would be re-encoded) and forwards the record
 * unchanged (same key, value, timestamp and headers): model 0 to the output topic, the others to the
 * shadow topic. When the event has the header {@value #ID_HEADER} (the benchmark's producer sets it on
 * the events whose label comes later), it also puts the record's value (the encoded event, standing for
 * its features) under {@code key\0id} in the pending store.
 * <p>
 * Per record of the labels topic (it reads the event id from the same header, so it decodes nothing):
 * it gets {@code key\0id} from the pending store; if present, it gets and puts each model's state as
 * for an event (the learning step), deletes the pending entry and counts the label as joined. It
 * forwards nothing.
 *
 * <pre>{@code
 * LongAdder joined = new LongAdder();
 * Topology t = BareTopology.build("events", "labels", "predictions", "predictions-shadow", "models",
 *         "pending-labels", new int[] {1909, 269}, joined);
 * KafkaStreams streams = new KafkaStreams(t, StreamlearnApp.streamsProperties(config, new SkippedRecords()));
 * }</pre>
 */
public final class BareTopology {

    /** Header carrying the event id (UTF-8): on an event, keep it pending; on a label, the event it joins. */
    public static final String ID_HEADER = "sl-id";

    private static final String EVENTS = "get-put-forward";
    private static final String LABELS = "get-join-delete";
    private static final String SINK = "sink";
    private static final String SHADOW_SINK = "shadow-sink";

    private BareTopology() {
    }

    /** One model, no labels topic: get, put and forward per event, as in rounds 1–4 of results/e2e.md. */
    public static Topology build(String eventsTopic, String outputTopic, String storeName, int stateBytes) {
        return build(eventsTopic, null, outputTopic, null, storeName, null, new int[] {stateBytes}, new LongAdder());
    }

    /**
     * @param labelsTopic      the labels topic, or null for none (then the pending store is not built)
     * @param shadowTopic      where models 1.. forward; may be null when there is one model
     * @param pendingStoreName the pending store; may be null when {@code labelsTopic} is
     * @param stateBytes       the per-key state size of each model, each at least 8
     * @param joined           counts the labels that found their pending event
     */
    public static Topology build(String eventsTopic, String labelsTopic, String outputTopic, String shadowTopic,
                                 String storeName, String pendingStoreName, int[] stateBytes, LongAdder joined) {
        if (stateBytes.length == 0) {
            throw new IllegalArgumentException("need at least one model's state size");
        }
        for (int s : stateBytes) {
            if (s < 8) {
                throw new IllegalArgumentException("each state size must be at least 8, got " + s);
            }
        }
        if (stateBytes.length > 1 && shadowTopic == null) {
            throw new IllegalArgumentException("several models need a shadow topic");
        }
        String pendingName = labelsTopic == null ? null : pendingStoreName;
        if (labelsTopic != null && pendingStoreName == null) {
            throw new IllegalArgumentException("a labels topic needs a pending store");
        }
        int[] sizes = stateBytes.clone();
        Topology t = new Topology();
        t.addSource("source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), eventsTopic);
        t.addProcessor(EVENTS, () -> new GetPutForward(storeName, pendingName, sizes), "source");
        t.addStateStore(changelogged(storeName), EVENTS);
        if (labelsTopic != null) {
            t.addSource("labels-source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), labelsTopic);
            t.addProcessor(LABELS, () -> new GetJoinDelete(storeName, pendingName, sizes, joined), "labels-source");
            t.connectProcessorAndStateStores(LABELS, storeName);
            t.addStateStore(changelogged(pendingName), EVENTS, LABELS);
        }
        t.addSink(SINK, outputTopic, Serdes.String().serializer(), Serdes.ByteArray().serializer(), EVENTS);
        if (sizes.length > 1) {
            t.addSink(SHADOW_SINK, shadowTopic, Serdes.String().serializer(), Serdes.ByteArray().serializer(), EVENTS);
        }
        return t;
    }

    private static StoreBuilder<KeyValueStore<String, byte[]>> changelogged(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(Map.of());
    }

    /** Gets the state, writes a same-size copy with an 8-byte counter bumped. */
    static void bump(KeyValueStore<String, byte[]> store, String storeKey, int size) {
        byte[] old = store.get(storeKey);
        byte[] next = new byte[size];
        if (old != null) {
            System.arraycopy(old, 0, next, 0, Math.min(old.length, size));
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
        store.put(storeKey, next);
    }

    static String modelKey(String key, int model) {
        return key + "\u0000m" + model;
    }

    static String pendingKey(String key, Record<String, byte[]> record) {
        Header id = record.headers().lastHeader(ID_HEADER);
        return id == null ? null : key + '\u0000' + new String(id.value(), StandardCharsets.UTF_8);
    }

    private static final class GetPutForward implements Processor<String, byte[], String, byte[]> {
        private final String storeName;
        private final String pendingName;
        private final int[] sizes;
        private final String[] sinks;
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> store;
        private KeyValueStore<String, byte[]> pending;

        GetPutForward(String storeName, String pendingName, int[] sizes) {
            this.storeName = storeName;
            this.pendingName = pendingName;
            this.sizes = sizes;
            this.sinks = new String[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                sinks[i] = i == 0 ? SINK : SHADOW_SINK;
            }
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(storeName);
            this.pending = pendingName == null ? null : context.getStateStore(pendingName);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            for (int i = 0; i < sizes.length; i++) {
                bump(store, modelKey(record.key(), i), sizes[i]);
                context.forward(record, sinks[i]);
            }
            if (pending != null) {
                String k = pendingKey(record.key(), record);
                if (k != null) {
                    pending.put(k, record.value());
                }
            }
        }
    }

    private static final class GetJoinDelete implements Processor<String, byte[], String, byte[]> {
        private final String storeName;
        private final String pendingName;
        private final int[] sizes;
        private final LongAdder joined;
        private KeyValueStore<String, byte[]> store;
        private KeyValueStore<String, byte[]> pending;

        GetJoinDelete(String storeName, String pendingName, int[] sizes, LongAdder joined) {
            this.storeName = storeName;
            this.pendingName = pendingName;
            this.sizes = sizes;
            this.joined = joined;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.store = context.getStateStore(storeName);
            this.pending = context.getStateStore(pendingName);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            String k = pendingKey(record.key(), record);
            if (k == null || pending.get(k) == null) {
                return;
            }
            for (int i = 0; i < sizes.length; i++) {
                bump(store, modelKey(record.key(), i), sizes[i]);
            }
            pending.delete(k);
            joined.increment();
        }
    }
}
