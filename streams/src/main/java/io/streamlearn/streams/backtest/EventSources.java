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

    /**
     * As {@link #open(Path, List)}, JSON lines read with {@code mapping} ({@code streamlearn.input.*}).
     *
     * @throws IllegalArgumentException when {@code mapping} is set for a CSV or Avro file (they have
     *                                  their own fixed shapes)
     */
    public static EventSource open(Path file, List<String> features, FieldMapping mapping) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return JsonLinesEventSource.open(file, features, mapping);
        }
        if (!mapping.isDefault()) {
            throw new IllegalArgumentException(FieldMapping.INPUT_PREFIX + "* settings apply to JSON lines only; "
                    + file.getFileName() + " is " + (name.endsWith(".avro") ? "Avro" : "CSV") + " with its own fixed columns");
        }
        if (name.endsWith(".avro")) {
            return AvroEventSource.open(file, features);
        }
        return CsvEventSource.open(file, features);
    }
}
