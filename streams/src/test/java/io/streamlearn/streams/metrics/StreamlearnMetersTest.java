package io.streamlearn.streams.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamlearnMetersTest {

    @Test
    void shouldReturnTheSameCounterForTheSameTagsAndCountThem() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StreamlearnMeters meters = new StreamlearnMeters(registry);
        assertSame(meters.predictions("sgd", true), meters.predictions("sgd", true));
        meters.predictions("sgd", true).increment();
        meters.predictions("sgd", false).increment(2);
        meters.deadLetters("malformed-json").increment();
        meters.labels("duplicate-label").increment();
        meters.evictions(StreamlearnMeters.TTL).increment(3);
        meters.eventsScored().increment();

        assertEquals(1.0, registry.get("streamlearn.predictions").tags("model", "sgd", "role", "champion").counter().count());
        assertEquals(2.0, registry.get("streamlearn.predictions").tags("model", "sgd", "role", "shadow").counter().count());
        assertEquals(1.0, registry.get("streamlearn.dead.letters").tag("reason", "malformed-json").counter().count());
        assertEquals(1.0, registry.get("streamlearn.labels").tag("outcome", "duplicate-label").counter().count());
        assertEquals(0.0, registry.get("streamlearn.labels").tag("outcome", "joined").counter().count(), "registered up front");
        assertEquals(3.0, registry.get("streamlearn.evictions").tag("cause", "ttl").counter().count());
        assertEquals(1.0, registry.get("streamlearn.events").tag("outcome", "scored").counter().count());
        assertThrows(IllegalArgumentException.class, () -> meters.labels("other"));
        assertThrows(IllegalArgumentException.class, () -> meters.evictions("other"));
    }

    @Test
    void shouldAverageTheSquaredAndAbsoluteErrorOverTheLastWindowOfLabelledEvents() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StreamlearnMeters meters = new StreamlearnMeters(registry, 3);
        StreamlearnMeters.ModelError e = meters.modelError("kalman");
        assertTrue(Double.isNaN(e.value("mse")), "NaN before the first labelled event");
        double[][] pairs = {{1, 0}, {0, 2}, {5, 2}, {1, 2}};   // errors 1, -2, 3, -1
        for (double[] p : pairs) {
            e.record(p[0], p[1]);
        }
        // the window of 3 holds the last three errors: -2, 3, -1
        assertEquals((4 + 9 + 1) / 3.0, e.value("mse"), 1e-12);
        assertEquals((2 + 3 + 1) / 3.0, e.value("mae"), 1e-12);
        assertEquals((4 + 9 + 1) / 3.0, registry.get("streamlearn.model.error").tags("model", "kalman", "metric", "mse")
                .gauge().value(), 1e-12);
        assertEquals(3, e.count());
        assertThrows(IllegalArgumentException.class, () -> e.value("logloss"));
    }

    @Test
    void shouldReportLogLossAndErrorRateForLogisticModels() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StreamlearnMeters meters = new StreamlearnMeters(registry, 10);
        StreamlearnMeters.ModelError e = meters.modelError("kalman:loss=logistic,q=1e-4");
        e.record(0.8, 1);
        e.record(0.6, 0);
        double logLoss = (-Math.log(0.8) - Math.log(0.4)) / 2;
        assertEquals(logLoss, e.value("logloss"), 1e-12);
        assertEquals(0.5, e.value("error_rate"), 1e-12, "0.6 for a 0 label is on the wrong side of 0.5");
        assertEquals(logLoss, registry.get("streamlearn.model.error").tags("metric", "logloss").gauge().value(), 1e-12);
        assertTrue(StreamlearnMeters.isLogistic("lags:p=3+sgd:loss=logistic"));
        assertFalse(StreamlearnMeters.isLogistic("sgd:loss=huber"));
        assertFalse(StreamlearnMeters.isLogistic("not a spec ::"));
    }

    @Test
    void shouldRecordLatenciesInTheirBucketsAndClampEventsFromTheFuture() {
        try (StreamlearnMetrics metrics = new StreamlearnMetrics()) {
            StreamlearnMeters meters = new StreamlearnMeters(metrics.registry());
            meters.recordEventToOutput(1_000, 1_030);    // 30 ms
            meters.recordEventToOutput(5_000, 1_000);    // from the future: 0
            meters.recordEventProcessing(TimeUnit.MICROSECONDS.toNanos(40));
            String text = metrics.scrape();
            assertTrue(text.contains("streamlearn_event_to_output_seconds_bucket{le=\"0.025\"} 1"), text);
            assertTrue(text.contains("streamlearn_event_to_output_seconds_bucket{le=\"0.05\"} 2"), text);
            assertTrue(text.contains("streamlearn_event_to_output_seconds_count 2"), text);
            assertTrue(text.contains("streamlearn_processing_seconds_bucket{route=\"events\",le=\"5.0E-5\"} 1")
                    || text.contains("streamlearn_processing_seconds_bucket{le=\"5.0E-5\",route=\"events\"} 1"), text);
            assertTrue(text.contains("streamlearn_processing_seconds_count{route=\"labels\"} 0"), text);
            assertTrue(text.contains("streamlearn_events_total{outcome=\"scored\"} 0"), text);
        }
    }

    @Test
    void shouldAllocateNothingPerEventOnceTheMetersExist() {
        try (StreamlearnMetrics metrics = new StreamlearnMetrics()) {
            StreamlearnMeters meters = new StreamlearnMeters(metrics.registry());
            String model = "sgd:lr=0.1";
            String reason = "malformed-json";
            java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
            if (!(bean instanceof com.sun.management.ThreadMXBean threads) || !threads.isThreadAllocatedMemorySupported()) {
                return;   // nothing to measure on this JVM
            }
            long id = Thread.currentThread().getId();
            long bytes = 0;
            for (int round = 0; round < 3; round++) {   // the first rounds warm up (and may compile)
                long before = threads.getThreadAllocatedBytes(id);
                for (int i = 0; i < 50_000; i++) {
                    perEvent(meters, model, reason, i);
                }
                bytes = threads.getThreadAllocatedBytes(id) - before;
            }
            assertTrue(bytes < 50_000, "bytes allocated by 50 000 events' meter calls: " + bytes);
        }
    }

    /** What the processors call per scored event, per label and per dead letter. */
    private static void perEvent(StreamlearnMeters meters, String model, String reason, int i) {
        meters.predictions(model, true).increment();
        meters.predictions(model, false).increment();
        meters.eventsScored().increment();
        meters.labels(StreamlearnMeters.JOINED).increment();
        meters.deadLetters(reason).increment();
        meters.modelError(model).record(i % 7, 3.0);
        meters.recordEventToOutput(1_000, 1_000 + i % 5_000);
        meters.recordEventProcessing(i % 100_000);
        meters.recordLabelProcessing(i % 100_000);
    }

    @Test
    void shouldRecordNothingWhenNoop() {
        StreamlearnMeters noop = StreamlearnMeters.noop();
        assertFalse(noop.tracksErrors());
        assertTrue(new StreamlearnMeters(new SimpleMeterRegistry()).tracksErrors());
        noop.predictions("sgd", true).increment();
        noop.modelError("sgd").record(1, 0);
        assertEquals(0.0, noop.predictions("sgd", true).count());
        assertTrue(Double.isNaN(noop.modelError("sgd").value("mse")));
    }
}
