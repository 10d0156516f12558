package io.streamlearn.streams.backtest;

import io.streamlearn.schemas.Event;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads an Avro object container file of {@link Event} records. Record numbers (1-based) stand in for
 * line numbers in bad-row reports. Without an explicit feature list the features are the sorted union
 * of every name in the file (one extra pass).
 *
 * <p>The file's writer schema is resolved against the generated {@link Event#getClassSchema()}, read
 * into generic records: Avro 1.12's {@code SpecificDatumReader} refuses to load classes that the
 * process has not declared trusted ({@code org.apache.avro.SERIALIZABLE_PACKAGES}), and a backtest
 * should not change that process-wide setting.
 */
public final class AvroEventSource implements EventSource {

    private final DataFileReader<GenericRecord> reader;
    private final long size;
    private final List<String> featureNames;
    private final java.util.Set<String> selected;
    private GenericRecord reuse;
    private long record;

    private AvroEventSource(Path file, List<String> features) throws IOException {
        this.reader = new DataFileReader<>(file.toFile(), reader());
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
            try (DataFileReader<GenericRecord> pass = new DataFileReader<>(file.toFile(), reader())) {
                GenericRecord e = null;
                while (pass.hasNext()) {
                    e = pass.next(e);
                    Object f = e.get(FEATURES);
                    if (f instanceof Map<?, ?> m) {
                        for (Object k : m.keySet()) {
                            names.add(k.toString());
                        }
                    }
                }
            }
            features = List.copyOf(names);
        }
        return new AvroEventSource(file, features);
    }

    private static final String KEY = "key";
    private static final String TS = "ts";
    private static final String FEATURES = "features";
    private static final String LABEL = "label";

    private static GenericDatumReader<GenericRecord> reader() {
        return new GenericDatumReader<>(null, Event.getClassSchema());
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
        GenericRecord e = reuse;
        Object keyValue = e.get(KEY);
        String key = keyValue == null ? "" : keyValue.toString();
        if (key.isEmpty()) {
            throw new BadRowException(record, "empty key");
        }
        into.features.clear();
        Object fv = e.get(FEATURES);
        if (fv instanceof Map<?, ?> features) {
            for (Map.Entry<?, ?> f : features.entrySet()) {
                String name = f.getKey().toString();
                if (!(f.getValue() instanceof Double v) || !selected.contains(name)) {
                    continue;
                }
                if (!Double.isFinite(v)) {
                    throw new BadRowException(record, "non-finite " + name);
                }
                into.features.put(name, v);
            }
        }
        Double label = (Double) e.get(LABEL);
        if (label != null && !Double.isFinite(label)) {
            throw new BadRowException(record, "non-finite label");
        }
        into.key = key;
        into.time = (Long) e.get(TS);
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
