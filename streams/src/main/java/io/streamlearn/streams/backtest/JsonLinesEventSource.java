package io.streamlearn.streams.backtest;

import io.streamlearn.learn.features.FeatureSpace;
import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.mapping.FieldMapping;
import io.streamlearn.schemas.mapping.MappingException;
import io.streamlearn.schemas.wire.MalformedRecordException;
import io.streamlearn.schemas.wire.WireCodec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * Reads JSON lines, one {@code Event} per line, exactly as the {@code events} topic carries them in JSON,
 * decoded by the same {@link WireCodec#decodeEvent} as the live topology:
 * <pre>{@code {"id":"e1","key":"dev-1","ts":1700000000000,"features":{"temp":21.5},"label":3.0}}</pre>
 * {@code ts} may also be an ISO-8601 string; {@code label} may be absent or null (predict only); a
 * feature whose value is null is missing. A line the codec refuses is a bad row with the codec's reason
 * word; so is a non-finite feature or label. Without an explicit feature list the features are the
 * sorted union of every name in the file (one extra pass), a text feature's values {@code name=v} as
 * one entry {@code name=*} (a block of hashed buckets). {@code .gz} accepted.
 *
 * <p>With a {@link FieldMapping} ({@code streamlearn.input.*}), lines in a shape of their own are mapped as
 * the live topology maps the topic's records (without a record key or timestamp: the key and time must be
 * fields); a line that cannot be mapped is a bad row with the mapping's reason and path.
 */
public final class JsonLinesEventSource implements EventSource {

    private final BufferedReader reader;
    private final CountingInputStream counting;
    private final long size;
    private final List<String> featureNames;
    private final java.util.Set<String> selected;
    private final FieldMapping mapping;
    private long line;

    private JsonLinesEventSource(Path file, List<String> features, FieldMapping mapping) throws IOException {
        this.mapping = mapping;
        InputStream raw = Files.newInputStream(file);
        this.counting = new CountingInputStream(raw);
        InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(counting, 1 << 16) : counting;
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        this.size = Files.size(file);
        this.featureNames = List.copyOf(features);
        this.selected = new java.util.HashSet<>(features);
    }

    /**
     * @param features the features to use, in order; null for the sorted union of all names in the file
     */
    public static JsonLinesEventSource open(Path file, List<String> features) throws IOException {
        return open(file, features, FieldMapping.defaults(FieldMapping.INPUT_PREFIX));
    }

    /**
     * @param features the features to use, in order; null for the sorted union of all names in the file
     * @param mapping  how a line maps to an event ({@code streamlearn.input.*}); not null
     */
    public static JsonLinesEventSource open(Path file, List<String> features, FieldMapping mapping) throws IOException {
        return new JsonLinesEventSource(file, features != null ? features : unionOfNames(file, mapping), mapping);
    }

    private static List<String> unionOfNames(Path file, FieldMapping mapping) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (JsonLinesEventSource pass = new JsonLinesEventSource(file, List.of(), mapping)) {
            String text;
            while ((text = pass.reader.readLine()) != null) {
                if (text.isBlank()) {
                    continue;
                }
                try {
                    for (String name : mapping.decodeEvent(text.getBytes(StandardCharsets.UTF_8), null, -1).getFeatures().keySet()) {
                        int eq = name.indexOf('=');
                        names.add(eq > 0 ? name.substring(0, eq) + FeatureSpace.TEXT_SUFFIX : name);
                    }
                } catch (MalformedRecordException | MappingException e) {
                    // reported as a bad row by the real pass
                }
            }
        }
        return List.copyOf(names);
    }

    @Override
    public List<String> featureNames() {
        return featureNames;
    }

    @Override
    public boolean next(BacktestEvent into) throws IOException, BadRowException {
        String text;
        do {
            text = reader.readLine();
            line++;
            if (text == null) {
                return false;
            }
        } while (text.isBlank());
        Event e;
        try {
            e = mapping.decodeEvent(text.getBytes(StandardCharsets.UTF_8), null, -1);
        } catch (MalformedRecordException bad) {
            throw new BadRowException(line, bad.reason() + ": " + bad.getMessage());
        } catch (MappingException bad) {
            throw new BadRowException(line, bad.reason() + ": " + bad.getMessage());
        }
        if (e.getKey() == null || e.getKey().isEmpty()) {
            throw new BadRowException(line, "empty key");
        }
        into.features.clear();
        for (Map.Entry<String, Double> f : e.getFeatures().entrySet()) {
            Double v = f.getValue();
            if (v == null || !isSelected(f.getKey())) {
                continue;
            }
            into.features.put(f.getKey(), finite(v, f.getKey()));
        }
        Double label = e.getLabel();
        into.key = e.getKey();
        into.id = e.getId();
        into.time = e.getTs();
        into.label = label == null ? Double.NaN : finite(label, "label");
        into.line = line;
        return true;
    }

    private boolean isSelected(String name) {
        if (selected.contains(name)) {
            return true;
        }
        int eq = name.indexOf('=');
        return eq > 0 && selected.contains(name.substring(0, eq) + FeatureSpace.TEXT_SUFFIX);
    }

    private double finite(double v, String what) throws BadRowException {
        if (!Double.isFinite(v)) {
            throw new BadRowException(line, "non-finite " + what);
        }
        return v;
    }

    @Override
    public long position() {
        return counting.count();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
