package io.streamlearn.learn.memory;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in model SPECs: a number with a unit {@code ms}, {@code s}, {@code m} (minutes), {@code h},
 * {@code d} or {@code w}; a bare number is milliseconds. Lists are separated by {@code '/'}
 * ({@code tau=60s/1h/1d}). Event times are epoch milliseconds, so durations are held in milliseconds.
 */
public final class Durations {

    private static final Pattern DURATION = Pattern.compile("([0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*(ms|s|m|h|d|w)?");
    private static final String[] UNITS = {"w", "d", "h", "m", "s", "ms"};
    private static final long[] UNIT_MS = {604_800_000L, 86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};

    private Durations() {
    }

    /** Parses one duration into milliseconds (&gt; 0). */
    public static double parse(String stage, String key, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(stage + ": " + key + "=" + text + " is not a duration (e.g. 250ms, 60s, 5m, 1h, 1d)");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        for (int i = 0; i < UNITS.length; i++) {
            if (UNITS[i].equals(unit)) {
                v *= UNIT_MS[i];
            }
        }
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(stage + ": " + key + "=" + text + " must be a positive duration");
        }
        return v;
    }

    /** Parses a {@code '/'}-separated list of durations. */
    public static double[] parseList(String stage, String key, String text) {
        String[] parts = text.split("/");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = parse(stage, key, parts[i]);
        }
        return out;
    }

    /** Formats milliseconds with the largest unit that divides them exactly, e.g. 3600000 → {@code 1h}. */
    public static String format(double ms) {
        if (ms == Math.rint(ms) && ms < 9e15) {
            long l = (long) ms;
            for (int i = 0; i < UNITS.length; i++) {
                if (l % UNIT_MS[i] == 0) {
                    return (l / UNIT_MS[i]) + UNITS[i];
                }
            }
        }
        return ms + "ms";
    }

    /** Formats a list with {@code '/'} separators. */
    public static String formatList(double[] ms) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ms.length; i++) {
            if (i > 0) {
                b.append('/');
            }
            b.append(format(ms[i]));
        }
        return b.toString();
    }
}
