package io.streamlearn.streams.decode;

import io.streamlearn.streams.decode.Timestamps;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TimestampsTest {

    @Test
    void shouldAgreeWithInstantParseOnRandomSecondPrecisionUtcTimes() {
        SplittableRandom r = new SplittableRandom(3);
        long lo = Instant.parse("1900-01-01T00:00:00Z").getEpochSecond();
        long hi = Instant.parse("2100-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            Instant t = Instant.ofEpochSecond(r.nextLong(lo, hi));
            String text = t.toString();
            assertEquals(20, text.length(), text);
            assertEquals(t.toEpochMilli(), Timestamps.parse(text), text);
        }
    }

    /**
     * The Javadoc's offsets, in the CSV reader's entry point and in {@code replay --from/--to}
     * ({@code Replay.parseTime}): Java 17's {@code Instant.parse} reads them (ISO_INSTANT parses offsets
     * since JDK 12), so they need no other parser.
     */
    @Test
    void shouldReadOffsetsWhereverATimeIsParsed() {
        long expected = Instant.parse("2025-12-31T23:00:00Z").toEpochMilli();
        assertEquals(expected, Timestamps.parse("2026-01-01T00:00:00+01:00"));
        assertEquals(expected, Timestamps.parse((CharSequence) new StringBuilder("2026-01-01T00:00:00+01:00")));
        assertEquals(expected, io.streamlearn.streams.app.Replay.parseTime(" 2026-01-01T00:00:00+01:00 "));
        assertEquals(expected, Timestamps.parse("2025-12-31T18:30:00-04:30"));
    }

    @Test
    void shouldReadEpochMillisOffsetsAndFractionsAndRefuseTheRest() {
        assertEquals(1_700_000_000_123L, Timestamps.parse("1700000000123"));
        assertEquals(-5L, Timestamps.parse("-5"));
        assertEquals(Instant.parse("2013-02-28T16:00:00.250Z").toEpochMilli(), Timestamps.parse("2013-02-28T17:00:00.250+01:00"));
        assertEquals(Instant.parse("2016-02-29T00:00:00Z").toEpochMilli(), Timestamps.parse("2016-02-29T00:00:00Z"));
        // ISO end of day, as Instant.parse reads it: the next midnight
        assertEquals(Instant.parse("2013-03-01T00:00:00Z").toEpochMilli(), Timestamps.parse("2013-02-28T24:00:00Z"));
        // without an offset: UTC, as JSON events and field mappings read it
        assertEquals(Instant.parse("2013-02-28T16:00:00Z").toEpochMilli(), Timestamps.parse("2013-02-28T16:00:00"));
        assertEquals(Instant.parse("2013-02-28T16:00:00Z").toEpochMilli(), io.streamlearn.streams.app.Replay.parseTime("2013-02-28T16:00:00"));
        assertEquals(Instant.parse("2013-02-28T16:00:00Z").toEpochMilli(), Timestamps.parse("2013-02-28 16:00:00"),
                "a space for the T, as SQL and pandas write it");
        for (String bad : new String[] {"", "yesterday", "2013-02-30T00:00:00Z", "2015-02-29T00:00:00Z", "2013-02-28 16h00",
                "99999999999999999999", "2013-02-28"}) {
            assertThrows(IllegalArgumentException.class, () -> Timestamps.parse(bad), bad);
        }
    }
}
