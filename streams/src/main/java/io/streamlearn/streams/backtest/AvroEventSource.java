package io.streamlearn.streams.backtest;

import io.streamlearn.schemas.Event;
import io.streamlearn.schemas.wire.WireCodec;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads an Avro object container file of {@link Event} records with the generated class (the file's
 * writer schema is resolved against {@link Event#getClassSchema()}). Record numbers (1-based) stand in
 * for line numbers in bad-row reports. Without an explicit feature list the features are the sorted
 * union of every name in the file (one extra pass). Avro 1.12 reads generated classes only from trusted
 * packages: {@link WireCodec#trustSchemaClasses()} declares {@code io.streamlearn.schemas} trusted.
 */
public final class AvroEventSource implements EventSource {

    static {
        WireCodec.trustSchemaClasses();
    }

    private final DataFileReader<Event> reader;
    private final long size;
    private final List<String> featureNames;
    private final java.util.Set<String> selected;
    private Event reuse;
    private long record;

    private AvroEventSource(Path file, List<String> features) throws IOException {
        this.reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(Event.class));
        this.size = Files.size(file);
        this.featureNames = List.copyOf(features);
        this.selected = new java.util.HashSet<>(features);
    }

    /**
     * @param features the features to use, in order; null for the sorted union of all names in the file
     */
    public static AvroEventSource open(Path file, List<String> features) throws IOException {
        if (features == null) {
            TreeSet<String> names = new TreeSet<>();
            try (DataFileReader<Event> pass = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(Event.class))) {
                Event e = null;
                while (pass.hasNext()) {
                    e = pass.next(e);
                    names.addAll(e.getFeatures().keySet());
                }
            }
            features = List.copyOf(names);
        }
        return new AvroEventSource(file, features);
    }

    @Override
    public List<String> featureNames() {
        return featureNames;
    }

    @Override
    public boolean next(BacktestEvent into) throws IOException, BadRowException {
        if (!reader.hasNext()) {
            return false;
        }
        record++;
        try {
            reuse = reader.next(reuse);
        } catch (AvroRuntimeException e) {
            throw new IOException("record " + record + ": unreadable Avro data: " + e.getMessage(), e);
        }
        Event e = reuse;
        if (e.getKey() == null || e.getKey().isEmpty()) {
            throw new BadRowException(record, "empty key");
        }
        into.features.clear();
        for (Map.Entry<String, Double> f : e.getFeatures().entrySet()) {
            Double v = f.getValue();
            if (v == null || !selected.contains(f.getKey())) {
                continue;
            }
            if (!Double.isFinite(v)) {
                throw new BadRowException(record, "non-finite " + f.getKey());
            }
            into.features.put(f.getKey(), v);
        }
        Double label = e.getLabel();
        if (label != null && !Double.isFinite(label)) {
            throw new BadRowException(record, "non-finite label");
        }
        into.key = e.getKey();
        into.id = e.getId();
        into.time = e.getTs();
        into.label = label == null ? Double.NaN : label;
        into.line = record;
        return true;
    }

    @Override
    public long position() {
        try {
            return Math.min(reader.tell(), size);
        } catch (IOException e) {
            return 0;
        }
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
