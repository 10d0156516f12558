package io.streamlearn.streams.publish;

import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

import java.util.Map;

/**
 * Skips a record whose processing threw an exception the scoring processor did not expect (bad
 * inputs are dead-lettered by the processor itself; this is the safety net for bugs), counting it
 * as {@value #REASON} and logging the exception. Kafka Streams does not route task-migration or
 * store-corruption errors here, so recovery from those still happens.
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
        skipped.record(REASON, context.topic() + "-" + context.partition() + "@" + context.offset()
                + " in " + context.processorNodeId(), exception.toString());
        return ProcessingHandlerResponse.CONTINUE;
    }
}
