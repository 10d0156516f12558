package io.streamlearn.streams.chaos;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.Label;
import io.streamlearn.schemas.wire.WireCodec;
import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.demo.SyntheticEvents;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A fixed stream of events and labels whose live outcome does not depend on timing, so a run under
 * failures can be compared with {@code streamlearn backtest} bit for bit. Events are 10 ms apart in
 * event time ({@link SyntheticEvents#START_TIME} onwards). Keys are of two kinds:
 * <ul>
 *   <li><b>dense</b> keys take most events, each carrying its label inline with probability
 *       {@code inlineFraction} (learned at once) or no label (predicted only); every dense key has its
 *       first event among the first {@code denseKeys} events;</li>
 *   <li><b>delayed</b> keys have a single event, every {@code stride}-th event, without a label; its
 *       label comes on the {@code labels} topic about {@code lag} events later (stamped {@code 10 * lag + 5}
 *       ms after the event).</li>
 * </ul>
 * Why one event per delayed key: Kafka Streams orders the events and labels partitions of a task by
 * timestamp only as far as both have records buffered, so under load a label is learned some way
 * before or after the events stamped around it (seen: seconds, on the replicated cluster). A key with
 * no later event is not affected by where its label is learned, so its prediction and final state are
 * those of the backtest wherever the label lands; with the population prior off ({@code
 * streamlearn.prior=none}, {@code backtest --prior none}) nor is any other key. A label must not
 * overtake its event (it would be the dead letter {@code unknown-event}), so {@link ChaosFeeder} sends
 * it only once the event's prediction is committed, as a label that answers a published prediction
 * would be. {@link #timeline()} is sorted by time; send it in that order.
 *
 * <pre>{@code
 * ChaosWorkload w = new ChaosWorkload(7, 20_000, 200, 50, 800, 0.6, List.of("x1", "x2", "x3"));
 * for (ChaosWorkload.Item item : w.timeline()) { ... send item.event() or item.label() ... }
 * w.writeEvents(dir.resolve("events.jsonl"));   // streamlearn backtest --input
 * w.writeLabels(dir.resolve("labels.jsonl"));   //                     --labels
 * }</pre>
 * Immutable after construction; memory about 400 bytes per event.
 */
public final class ChaosWorkload {

    /** One record to send: an event (to the events topic) or a label (to the labels topic). */
    public record Item(Event event, Label label) {
        /** The record's key, the entity key. */
        public String key() {
            return event != null ? event.getKey() : label.getKey();
        }

        /** The record's timestamp: the event's or the label's time. */
        public long time() {
            return event != null ? event.getTs() : label.getTs();
        }
    }

    private final List<String> features;
    private final List<Event> events;
    private final List<Label> labels;
    private final List<Item> timeline;
    private final int inlineLabels;

    /**
     * @param seed           random seed
     * @param eventCount     events in all, at least {@code denseKeys}
     * @param denseKeys      keys with inline labels or none
     * @param stride         one event in {@code stride} (after the dense keys' first ones) is a delayed key's; 0 for none
     * @param lag            events between a delayed key's event and its label, at least 1
     * @param inlineFraction share of the dense keys' events that carry their label
     * @param features       feature names
     */
    public ChaosWorkload(long seed, int eventCount, int denseKeys, int stride, int lag, double inlineFraction,
                         List<String> features) {
        if (denseKeys < 1 || eventCount < denseKeys || stride < 0 || lag < 1) {
            throw new IllegalArgumentException("need denseKeys >= 1, eventCount >= denseKeys, stride >= 0 and lag >= 1");
        }
        this.features = List.copyOf(features);
        SyntheticEvents truth = new SyntheticEvents(seed, denseKeys, features, 0.1, 1.0);
        Random random = new Random(seed * 31 + 7);
        List<String> dense = truth.keys();
        List<String> firsts = new ArrayList<>(dense);
        Collections.shuffle(firsts, random);
        List<Event> ev = new ArrayList<>(eventCount);
        List<Label> lb = new ArrayList<>();
        int inline = 0;
        for (int i = 0; i < eventCount; i++) {
            boolean delayed = i >= denseKeys && stride > 0 && (i - denseKeys) % stride == stride - 1;
            String key = i < denseKeys ? firsts.get(i)
                    : delayed ? String.format("delayed-%06d", i) : dense.get(random.nextInt(denseKeys));
            Map<String, Double> x = new LinkedHashMap<>();
            for (String f : features) {
                x.put(f, random.nextGaussian());
            }
            // a delayed key's relation: that of a dense key, so its one label is a sensible one
            double y = truth.truth(delayed ? dense.get(i % denseKeys) : key, x) + 0.1 * random.nextGaussian();
            boolean labelled = !delayed && random.nextDouble() < inlineFraction;
            if (labelled) {
                inline++;
            }
            long ts = SyntheticEvents.START_TIME + 10L * i;
            ev.add(Event.newBuilder().setId("e-" + i).setKey(key).setTs(ts).setFeatures(x)
                    .setLabel(labelled ? y : null).build());
            if (delayed) {
                lb.add(Label.newBuilder().setId("e-" + i).setKey(key).setTs(ts + 10L * lag + 5).setLabel(y).build());
            }
        }
        this.events = Collections.unmodifiableList(ev);
        this.labels = Collections.unmodifiableList(lb);
        this.inlineLabels = inline;
        PriorityQueue<Label> due = new PriorityQueue<>((a, b) -> Long.compare(a.getTs(), b.getTs()));
        due.addAll(lb);
        List<Item> t = new ArrayList<>(ev.size() + lb.size());
        for (Event e : ev) {
            while (!due.isEmpty() && due.peek().getTs() < e.getTs()) {
                t.add(new Item(null, due.poll()));
            }
            t.add(new Item(e, null));
        }
        while (!due.isEmpty()) {
            t.add(new Item(null, due.poll()));
        }
        this.timeline = Collections.unmodifiableList(t);
    }

    /** Every event, in time order. */
    public List<Event> events() {
        return events;
    }

    /** Every delayed label, in the order of their events. */
    public List<Label> labels() {
        return labels;
    }

    /** Events and labels in time order: the order to send them in. */
    public List<Item> timeline() {
        return timeline;
    }

    /** How many events carry their label inline. */
    public int inlineLabels() {
        return inlineLabels;
    }

    /** The feature names. */
    public List<String> features() {
        return features;
    }

    /** Writes the events as JSON lines, the input of {@code streamlearn backtest}. */
    public void writeEvents(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Event e : events) {
                w.write(new String(WireCodec.encode(e, WireFormat.JSON), StandardCharsets.UTF_8));
                w.write('\n');
            }
        }
    }

    /** Writes the delayed labels as JSON lines, for {@code streamlearn backtest --labels}. */
    public void writeLabels(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Label l : labels) {
                w.write(new String(WireCodec.encode(l, WireFormat.JSON), StandardCharsets.UTF_8));
                w.write('\n');
            }
        }
    }
}
