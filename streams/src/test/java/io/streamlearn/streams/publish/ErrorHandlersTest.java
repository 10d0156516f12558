package io.streamlearn.streams.publish;

import io.streamlearn.streams.metrics.SkippedRecords;
import io.streamlearn.streams.decode.ContinueOnDeserializationError;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.app.StreamlearnApp;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.ProcessingHandlerResponse;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ErrorHandlersTest {

    private static final ErrorHandlerContext CONTEXT = new ErrorHandlerContext() {
        @Override public String topic() { return "events"; }
        @Override public int partition() { return 3; }
        @Override public long offset() { return 42; }
        @Override public Headers headers() { return new RecordHeaders(); }
        @Override public String processorNodeId() { return "score"; }
        @Override public TaskId taskId() { return new TaskId(0, 3); }
        @Override public long timestamp() { return 0; }
        @Override public byte[] sourceRawKey() { return null; }
        @Override public byte[] sourceRawValue() { return null; }
    };

    private final SkippedRecords skipped = new SkippedRecords();
    private final StreamsConfig config = new StreamsConfig(StreamlearnApp.streamsProperties(
            AppConfig.defaults().with(AppConfig.BOOTSTRAP_SERVERS_KEY, "k:1"), skipped));

    @Test
    void shouldContinueAfterAProcessingErrorAndCountItInTheApplicationsCounter() {
        ProcessingHandlerResponse r = config.processingExceptionHandler()
                .handle(CONTEXT, new Record<>("k", "v", 0L), new IllegalStateException("bug"));
        assertEquals(ProcessingHandlerResponse.CONTINUE, r);
        assertEquals(1, skipped.count(ContinueOnProcessingError.REASON));
    }

    @Test
    void shouldContinueAfterADeserializationError() {
        DeserializationHandlerResponse r = config.deserializationExceptionHandler()
                .handle(CONTEXT, new ConsumerRecord<>("events", 3, 42L, new byte[0], new byte[0]), new SerializationException("bad"));
        assertEquals(DeserializationHandlerResponse.CONTINUE, r);
        assertEquals(1, skipped.count(ContinueOnDeserializationError.REASON));
    }

    @Test
    void shouldSkipRecordsThatCanNeverBeWrittenButNotOtherSendErrors() {
        var h = config.productionExceptionHandler();
        ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>("predictions", new byte[1], new byte[1]);
        assertEquals(ProductionExceptionHandlerResponse.CONTINUE, h.handle(CONTEXT, rec, new RecordTooLargeException("big")));
        assertEquals(ProductionExceptionHandlerResponse.CONTINUE,
                h.handleSerializationException(CONTEXT, rec, new SerializationException("x"), SerializationExceptionOrigin.VALUE));
        assertEquals(2, skipped.count(ContinueOnRecordProductionError.REASON));
        assertEquals(ProductionExceptionHandlerResponse.RETRY, h.handle(CONTEXT, rec, new TimeoutException("slow")),
                "retriable errors are retried, as by default");
        assertEquals(ProductionExceptionHandlerResponse.FAIL, h.handle(CONTEXT, rec, new TopicAuthorizationException("no")),
                "other errors fail the thread, as by default");
        assertEquals(2, skipped.total());
    }

    @Test
    void shouldCountPerReasonFromManyThreads() throws Exception {
        SkippedRecords s = new SkippedRecords();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    s.record(i % 2 == 0 ? "a" : "b", "here", null);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(Map.of("a", 2000L, "b", 2000L), s.snapshot());
        assertEquals(4000, s.total());
        assertEquals(0, s.count("c"));
    }

    @Test
    void shouldUseAPrivateCounterWhenTheConfigHasNone() {
        assertEquals(0, SkippedRecords.from(Map.of()).total());
        assertEquals(0, SkippedRecords.from(null).total());
    }
}
