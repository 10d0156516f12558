package io.streamlearn.streams.publish;

import io.streamlearn.schemas.registry.RegistryUnavailableException;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

import java.util.Map;

/**
 * Skips a record whose processing threw an exception the scoring processor did not expect (bad
 * inputs are dead-lettered by the processor itself; this is the safety net for bugs), counting it
 * as {@value #REASON} and logging the exception. Kafka Streams does not route task-migration or
 * store-corruption errors here, so recovery from those still happens. A schema registry outage
 * ({@code RegistryUnavailableException}, after the client's own retries) is not skipped: the task fails,
 * the application replaces the stream thread, and the record is read again.
 */
public final class ContinueOnProcessingError implements ProcessingExceptionHandler {

    public static final String REASON = "processing-error";
    private SkippedRecords skipped = new SkippedRecords();

    @Override
    public void configure(Map<String, ?> configs) {
        skipped = SkippedRecords.from(configs);
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (RegistryUnavailableException.isCauseOf(exception)) {
            // Never skip a record because the schema registry is down: the stream thread fails, is replaced,
            // and reads the record again from the last committed offset.
            return ProcessingHandlerResponse.FAIL;
        }
        skipped.record(REASON, context.topic() + "-" + context.partition() + "@" + context.offset()
                + " in " + context.processorNodeId(), exception.toString());
        return ProcessingHandlerResponse.CONTINUE;
    }
}
