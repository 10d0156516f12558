package io.streamlearn.streams.decode;

import io.streamlearn.schemas.registry.RegistryUnavailableException;
import io.streamlearn.streams.metrics.SkippedRecords;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

import java.util.Map;

/**
 * Skips a record whose key or value the source cannot deserialize, counting it as
 * {@value #REASON}. The topology reads values as raw bytes and decodes them itself (so that bad
 * values become dead letters with a precise reason), so this handler is a safety net: it fires only
 * if a source's deserializer itself fails. A schema registry outage while decoding a Confluent-framed
 * key fails the task instead (the record is read again once the thread is replaced).
 */
public final class ContinueOnDeserializationError implements DeserializationExceptionHandler {

    public static final String REASON = "deserialization-error";
    private SkippedRecords skipped = new SkippedRecords();

    @Override
    public void configure(Map<String, ?> configs) {
        skipped = SkippedRecords.from(configs);
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                 Exception exception) {
        if (RegistryUnavailableException.isCauseOf(exception)) {
            // A Confluent-framed key whose schema could not be fetched: read the record again later.
            return DeserializationHandlerResponse.FAIL;
        }
        skipped.record(REASON, record.topic() + "-" + record.partition() + "@" + record.offset(), exception.toString());
        return DeserializationHandlerResponse.CONTINUE;
    }
}
