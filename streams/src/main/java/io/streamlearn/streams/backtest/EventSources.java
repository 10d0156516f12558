package io.streamlearn.streams.backtest;

import io.streamlearn.schemas.mapping.FieldMapping;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Opens a backtest input by its file name. */
public final class EventSources {
    private EventSources() {
    }

    /**
     * Opens {@code file}: {@code .avro} as Avro, {@code .jsonl}, {@code .ndjson} or {@code .json}
     * (optionally {@code .gz}) as JSON lines, anything else as CSV (optionally {@code .gz}).
     *
     * @param features features to use, in order; null for the file's default (every CSV feature
     *                 column, or the union of names in a JSON or Avro file)
     */
    public static EventSource open(Path file, List<String> features) throws IOException {
        return open(file, features, FieldMapping.defaults(FieldMapping.INPUT_PREFIX));
    }

    /** @return whether {@code file} is read as JSON lines, the one input a field mapping applies to */
    public static boolean isMapped(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        return name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json");
    }

    /**
     * As {@link #open(Path, List)}, JSON lines read with {@code mapping} ({@code streamlearn.input.*}); CSV
     * and Avro files have their own fixed shapes, which the mapping does not apply to (see
     * {@link #isMapped(Path)}).
     */
    public static EventSource open(Path file, List<String> features, FieldMapping mapping) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return JsonLinesEventSource.open(file, features, mapping);
        }
        if (name.endsWith(".avro")) {
            return AvroEventSource.open(file, features);
        }
        return CsvEventSource.open(file, features);
    }
}
