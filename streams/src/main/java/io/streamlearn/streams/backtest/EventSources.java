package io.streamlearn.streams.backtest;

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
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".avro")) {
            return AvroEventSource.open(file, features);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return JsonLinesEventSource.open(file, features);
        }
        return CsvEventSource.open(file, features);
    }
}
