package io.streamlearn.streams.integration;

import io.streamlearn.schemas.wire.WireFormat;
import io.streamlearn.streams.app.AppConfig;
import io.streamlearn.streams.demo.Demo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo end to end, small: what {@code ./streamlearn demo} runs. */
class DemoIT {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPredictEveryEventDeadLetterTheMalformedOnesAndShowTheErrorFalling() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Demo.Settings settings = new Demo.Settings(4_000, 20, List.of(AppConfig.DEFAULT_MODEL), 0.1, 0.7, 8,
                WireFormat.JSON, 3L, Duration.ofSeconds(150));
        Demo.Result r = new Demo(settings, new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(4_000, r.events());
        assertEquals(4_000, r.predictions());
        assertEquals(8, r.deadLetters());
        assertEquals(Map.of("malformed-json", 2L, "malformed-avro", 2L, "non-finite-feature", 2L, "missing-key", 2L),
                r.deadLetterReasons());
        assertTrue(r.mseLastQuarter() < r.mseFirstQuarter() / 3,
                "the models learned: " + r.mseFirstQuarter() + " -> " + r.mseLastQuarter());
        assertTrue(out.contains("[100%]") && out.contains("[ 10%]"), out);
        assertEquals(11, out.lines().count(), "a header and one line per 10%:\n" + out);
    }
}
