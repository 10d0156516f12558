package io.streamlearn.schemas.wire;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Event and label times written as text, read the same way wherever they come from: Streamlearn's
 * own JSON ({@link JsonWire}), a field mapping of a foreign topic, the backtest's CSV files and the
 * replay's {@code --from}/{@code --to}. Accepted: epoch milliseconds (digits, optionally signed), an
 * ISO-8601 date-time with an offset ({@code 2013-02-28T16:00:00Z}, {@code 2013-02-28T17:00:00.250+01:00})
 * and, read as UTC, one without ({@code 2013-02-28T16:00:00}: many topics and exports write their times
 * so); a space may stand for the {@code T} ({@code 2013-02-28 16:00:00}, as SQL and pandas write times).
 * Fractions below the millisecond are truncated towards the past. Stateless.
 *
 * <pre>{@code
 * long t = EventTimes.parse("2013-02-28T16:00:00");   // 1362067200000, as "...Z"
 * }</pre>
 */
public final class EventTimes {

    private EventTimes() {
    }

    /**
     * Epoch milliseconds from {@code text} (surrounding blanks ignored).
     *
     * @throws IllegalArgumentException when the text is none of the accepted forms, or out of range
     */
    public static long parse(String text) {
        String s = text.trim();
        if (s.length() > 10 && s.charAt(10) == ' ' && s.charAt(4) == '-' && s.charAt(7) == '-') {
            s = s.substring(0, 10) + 'T' + s.substring(11);   // "2013-02-28 16:00:00", as SQL and pandas write it
        }
        if (!s.isEmpty() && isInteger(s)) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("timestamp out of range: '" + s + "'");
            }
        }
        try {
            // ISO_INSTANT: Z or an offset (JDK 12 on), and the end of day 24:00:00
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            // fall through to the other shapes
        }
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            try {
                return LocalDateTime.parse(s, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeException | ArithmeticException e2) {
                throw new IllegalArgumentException("neither epoch milliseconds nor an ISO-8601 date-time "
                        + "(like 2013-02-28T16:00:00Z, or without an offset for UTC)");
            }
        }
    }

    private static boolean isInteger(String s) {
        int start = s.charAt(0) == '-' && s.length() > 1 ? 1 : 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
