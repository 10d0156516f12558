package io.streamlearn.streams.publish;

import io.streamlearn.schemas.registry.RegistryUnavailableException;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

import java.util.Map;

/**
 * Skips an output record that can never be written (it cannot be serialized, or it is larger than
 * the broker accepts), counting it as {@value #REASON}; any other send error is handled as Kafka
 * Streams' default does (retry when retriable, otherwise fail the thread, which the application's
 * uncaught-exception handler replaces). Skipping a record that cannot be written is the only way
 * to keep the application from failing on it forever. A schema registry that cannot be reached to register
 * an output schema ({@code confluent-avro}) fails the task instead: the output is written once it is back.
 */
public final class ContinueOnRecordProductionError extends DefaultProductionExceptionHandler {

    public static final String REASON = "production-error";
    private SkippedRecords skipped = new SkippedRecords();

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        skipped = SkippedRecords.from(configs);
    }

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                     Exception exception) {
        if (exception instanceof RecordTooLargeException) {
            skipped.record(REASON, "to " + record.topic() + " from " + where(context), exception.toString());
            return ProductionExceptionHandlerResponse.CONTINUE;
        }
        return super.handle(context, record, exception);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public ProductionExceptionHandlerResponse handleSerializationException(ErrorHandlerContext context, ProducerRecord record,
                                                                           Exception exception, SerializationExceptionOrigin origin) {
        if (RegistryUnavailableException.isCauseOf(exception)) {
            // The output schema could not be registered: fail the task so that the record is processed again.
            return ProductionExceptionHandlerResponse.FAIL;
        }
        skipped.record(REASON, "to " + record.topic() + " from " + where(context), origin + " serialization: " + exception);
        return ProductionExceptionHandlerResponse.CONTINUE;
    }

    private static String where(ErrorHandlerContext c) {
        return c == null ? "?" : c.topic() + "-" + c.partition() + "@" + c.offset();
    }
}
