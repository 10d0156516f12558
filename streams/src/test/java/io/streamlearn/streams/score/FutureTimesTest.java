package io.streamlearn.streams.score;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FutureTimesTest {

    private static final long NOW = 1_764_000_000_000L;
    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void shouldAcceptUpToTheLimitAheadAndAnyPastTime() {
        assertNull(FutureTimes.refusal(NOW, NOW, HOUR));
        assertNull(FutureTimes.refusal(NOW + HOUR.toMillis(), NOW, HOUR), "exactly the limit");
        assertNull(FutureTimes.refusal(Long.MIN_VALUE, NOW, HOUR));
        assertNull(FutureTimes.refusal(0, NOW, HOUR));
    }

    @Test
    void shouldRefuseBeyondTheLimitSayingByHowMuch() {
        String why = FutureTimes.refusal(NOW + HOUR.toMillis() + 1, NOW, HOUR);
        assertNotNull(why);
        assertTrue(why.contains("PT1H0.001S ahead"), why);
        assertTrue(why.contains("streamlearn.max-future=PT1H"), why);
        assertNotNull(FutureTimes.refusal(Long.MAX_VALUE, NOW, HOUR));
    }

    @Test
    void shouldAcceptAnyTimeWithoutALimit() {
        assertNull(FutureTimes.refusal(Long.MAX_VALUE, NOW, Duration.ZERO));
    }
}
