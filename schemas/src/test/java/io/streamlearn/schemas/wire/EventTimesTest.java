package io.streamlearn.schemas.wire;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EventTimesTest {

    /** Each accepted form against the instant it names, computed apart with java.time's own parser. */
    @Test
    void shouldReadEveryFormAsTheInstantItNames() {
        long utc = Instant.parse("2013-02-28T16:00:00Z").toEpochMilli();
        assertEquals(1_362_067_200_000L, utc);
        assertEquals(utc, EventTimes.parse("1362067200000"));
        assertEquals(utc, EventTimes.parse("2013-02-28T16:00:00Z"));
        assertEquals(utc, EventTimes.parse("2013-02-28T17:00:00+01:00"));
        assertEquals(utc, EventTimes.parse("2013-02-28T16:00:00"), "no offset: UTC");
        assertEquals(utc, EventTimes.parse("  2013-02-28T16:00  "), "minutes only, blanks around");
        assertEquals(utc + 250, EventTimes.parse("2013-02-28T16:00:00.250"));
        assertEquals(utc + 250, EventTimes.parse("2013-02-28T16:00:00.250999Z"), "sub-millisecond truncated");
        assertEquals(-1, EventTimes.parse("1969-12-31T23:59:59.9999"), "truncated towards the past");
        assertEquals(-5, EventTimes.parse("-5"));
        assertEquals(utc, EventTimes.parse("2013-02-28 16:00:00"), "a space for the T, as SQL and pandas write it");
        assertEquals(utc + 250, EventTimes.parse("2013-02-28 17:00:00.250+01:00"));
    }

    @Test
    void shouldRefuseWhatIsNoTime() {
        for (String bad : new String[] {"", " ", "yesterday", "2013-02-30T16:00:00", "2013-02-28", "16:00:00",
                "99999999999999999999", "2013-02-28T16:00:00+25:00", "1e12", "2013-02-28  16:00:00", "2013/02/28 16:00:00"}) {
            assertThrows(IllegalArgumentException.class, () -> EventTimes.parse(bad), bad);
        }
    }
}
