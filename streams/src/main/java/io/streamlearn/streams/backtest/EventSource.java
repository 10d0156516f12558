package io.streamlearn.streams.backtest;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * A file of events read in order for a backtest: CSV ({@link CsvEventSource}), JSON lines
 * ({@link JsonLinesEventSource}) or Avro ({@link AvroEventSource}). Open one with
 * {@link EventSources#open}. Not thread-safe.
 */
public interface EventSource extends Closeable {

    /** The feature names this source offers, in the order a model's vector uses them. */
    List<String> featureNames();

    /**
     * Reads the next event into {@code into}.
     *
     * @return false at the end of the input
     * @throws BadRowException for a row that cannot be used; the next call reads the row after it
     */
    boolean next(BacktestEvent into) throws IOException, BadRowException;

    /** Bytes of the file consumed so far (compressed bytes for a gzipped file), for progress. */
    long position();

    /** Size of the file in bytes, or -1 if unknown. */
    long size();
}
