package io.streamlearn.streams.app;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of every command-line option and setting: a whole number with a unit,
 * {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} ({@code 500ms}, {@code 30s}, {@code 15m},
 * {@code 2d}), or ISO-8601 ({@code PT1H}, {@code P7D}). {@code 0} needs no unit; other bare numbers are
 * refused, since their unit would be a guess.
 */
public final class Durations {

    /** The examples every error message shows. */
    public static final String EXAMPLES = "500ms, 30s, 15m, 2d or PT1H";

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * @throws IllegalArgumentException (naming {@code what}) if {@code text} is not a duration or is negative
     */
    public static Duration parse(String what, String text) {
        String t = text == null ? "" : text.trim();
        Duration d;
        try {
            Matcher m = WITH_UNIT.matcher(t.toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            } else if (t.equals("0")) {
                d = Duration.ZERO;
            } else {
                d = Duration.parse(t.toUpperCase(Locale.ROOT));
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not a duration (" + EXAMPLES + ")");
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + ": must not be negative, got '" + text + "'");
        }
        return d;
    }

    /** Like {@link #parse} but also refuses zero. */
    public static Duration parsePositive(String what, String text) {
        Duration d = parse(what, text);
        if (d.isZero()) {
            throw new IllegalArgumentException(what + ": must be positive, got '" + text + "'");
        }
        return d;
    }
}
