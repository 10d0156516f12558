package io.streamlearn.streams.decode;

import io.streamlearn.schemas.wire.EventTimes;

/**
 * Parses event times in the backtest's CSV files and the replay's {@code --from}/{@code --to}: as
 * {@link EventTimes#parse} (epoch milliseconds, ISO-8601 with an offset, or without one as UTC), with a
 * fast path for the two commonest shapes that makes no string.
 */
public final class Timestamps {
    private Timestamps() {
    }

    /**
     * Epoch milliseconds from {@code text}: an integer (epoch ms) or an ISO-8601 instant such as
     * {@code 2013-02-28T16:00:00Z} or {@code 2013-02-28T17:00:00.250+01:00}.
     *
     * @throws IllegalArgumentException naming the text when it is neither
     */
    public static long parse(String text) {
        return parse((CharSequence) text);
    }

    /**
     * As {@link #parse(String)}, for a view of characters (a CSV reader's buffer): no string is made
     * unless the text is neither an integer nor {@code yyyy-MM-ddTHH:mm:ssZ}.
     */
    public static long parse(CharSequence text) {
        int n = text.length();
        if (n == 0) {
            throw new IllegalArgumentException("empty timestamp");
        }
        if (isInteger(text)) {
            try {
                return Long.parseLong(text, 0, n, 10);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("timestamp out of range: '" + text + "'");
            }
        }
        if (n == 20 && text.charAt(19) == 'Z') {
            long fast = fastUtcSeconds(text);
            if (fast != Long.MIN_VALUE) {
                return fast * 1000L;
            }
        }
        try {
            return EventTimes.parse(text.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad timestamp '" + text + "' (want epoch ms or ISO-8601 like 2013-02-28T16:00:00Z; "
                    + "without an offset it is UTC)");
        }
    }

    private static boolean isInteger(CharSequence s) {
        int i = s.charAt(0) == '-' ? 1 : 0;
        if (i == s.length()) {
            return false;
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** {@code yyyy-MM-ddTHH:mm:ssZ} in epoch seconds, or Long.MIN_VALUE if the text has another shape. */
    private static long fastUtcSeconds(CharSequence s) {
        if (s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth()
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return Long.MIN_VALUE;   // let EventTimes.parse produce the error (or accept what it accepts)
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return days * 86_400L + hour * 3_600L + minute * 60L + second;
    }

    private static int digits(CharSequence s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
