package io.streamlearn.streams.decode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mutations the decoder fuzzing applies to a valid record's bytes: truncation, bit flips, overlong records,
 * invalid UTF-8, random bytes behind a real header, and for JSON huge or non-finite numbers and deep nesting.
 * Each is a pure function of its input and a {@link Random} (a fuzz try hands in a seeded one, so a failure replays: {@link Fuzz}).
 */
public enum Mutations {
    /** The record as it is. */
    NONE,
    /** Cut at a random length (0 to length − 1). */
    TRUNCATE,
    /** One to eight random bits flipped. */
    BIT_FLIP,
    /** Random bytes appended, the record repeated, or a 100,000-byte tail. */
    OVERLONG,
    /** An invalid UTF-8 sequence (lone continuation, overlong form, surrogate, 0xFF) inserted somewhere. */
    INVALID_UTF8,
    /** The record's first bytes (its header) kept, the rest random. */
    RANDOM_BODY,
    /** Random bytes, no header. */
    RANDOM,
    /** JSON: a number replaced by a huge, tiny, non-finite or non-JSON one. */
    HUGE_NUMBER,
    /** JSON: a value replaced by arrays or objects nested up to 20,000 deep. */
    DEEP_NESTING;

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");
    private static final Pattern VALUE = Pattern.compile(":\\s*(\"[^\"]*\"|-?\\d[\\d.eE+-]*|true|false|null)");

    /** Number tokens that are valid JSON but do not fit a double or a long, or that are not JSON at all. */
    static final String[] ODD_NUMBERS = {
        "1e999999", "-1e400", "1e-400", "4.9e-325", "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368",
        "123456789012345678901234567890123456789012345678901234567890",
        "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "+1", "0x10", "01", ".5", "1.", "-", "1e",
        "1.7976931348623157E308", "-1.7976931348623157E308", "1e150", "1.0000000000000001e150", "-0", "-0.0",
    };

    private static final byte[][] BAD_UTF8 = {
        {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xC3, 0x28}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xFE},
        {(byte) 0xFF}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82},
    };

    /** Whether this mutation needs a JSON text (it falls back to {@link #BIT_FLIP} on other bytes). */
    boolean textual() {
        return this == HUGE_NUMBER || this == DEEP_NESTING;
    }

    /**
     * @param value  a record's bytes; not changed
     * @param header how many leading bytes {@link #RANDOM_BODY} keeps (the format's header)
     * @param random the source of randomness
     * @return a new array (or {@code value} itself for {@link #NONE})
     */
    public byte[] apply(byte[] value, int header, Random random) {
        switch (this) {
            case NONE:
                return value;
            case TRUNCATE:
                return value.length == 0 ? value : Arrays.copyOf(value, random.nextInt(value.length));
            case BIT_FLIP:
                return flip(value, random);
            case OVERLONG:
                return overlong(value, random);
            case INVALID_UTF8: {
                byte[] bad = BAD_UTF8[random.nextInt(BAD_UTF8.length)];
                int at = random.nextInt(value.length + 1);
                // prefer the inside of a JSON string when there is one
                int quote = indexOf(value, (byte) '"', at);
                if (quote >= 0 && random.nextBoolean()) {
                    at = quote + 1;
                }
                return insert(value, at, bad);
            }
            case RANDOM_BODY: {
                int keep = Math.min(header, value.length);
                byte[] out = Arrays.copyOf(value, keep + random.nextInt(200));
                for (int i = keep; i < out.length; i++) {
                    out[i] = (byte) random.nextInt(256);
                }
                return out;
            }
            case RANDOM: {
                byte[] out = new byte[random.nextInt(300)];
                random.nextBytes(out);
                return out;
            }
            case HUGE_NUMBER:
                return isJson(value) ? replaceNumber(value, random) : flip(value, random);
            case DEEP_NESTING:
                return isJson(value) ? nest(value, random) : flip(value, random);
            default:
                throw new AssertionError(this);
        }
    }

    private static boolean isJson(byte[] value) {
        return value.length > 0 && value[0] == '{';
    }

    private static byte[] flip(byte[] value, Random random) {
        byte[] out = value.clone();
        if (out.length == 0) {
            return out;
        }
        int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips; i++) {
            int bit = random.nextInt(out.length * 8);
            out[bit >>> 3] ^= (byte) (1 << (bit & 7));
        }
        return out;
    }

    private static byte[] overlong(byte[] value, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(value);
        switch (random.nextInt(3)) {
            case 0: {
                byte[] tail = new byte[1 + random.nextInt(64)];
                random.nextBytes(tail);
                out.writeBytes(tail);
                break;
            }
            case 1: {
                int times = 1 + random.nextInt(50);
                for (int i = 0; i < times; i++) {
                    out.writeBytes(value);
                }
                break;
            }
            default:
                out.writeBytes(new byte[100_000]);
        }
        return out.toByteArray();
    }

    private static byte[] replaceNumber(byte[] value, Random random) {
        String text = new String(value, StandardCharsets.ISO_8859_1); // byte-preserving
        List<int[]> spans = new ArrayList<>();
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        String odd = ODD_NUMBERS[random.nextInt(ODD_NUMBERS.length)];
        if (spans.isEmpty()) {
            return (text + odd).getBytes(StandardCharsets.ISO_8859_1);
        }
        int[] s = spans.get(random.nextInt(spans.size()));
        return (text.substring(0, s[0]) + odd + text.substring(s[1])).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] nest(byte[] value, Random random) {
        String text = new String(value, StandardCharsets.ISO_8859_1);
        int depth = 1 + random.nextInt(random.nextBoolean() ? 100 : 20_000);
        StringBuilder deep = new StringBuilder(depth * 6);
        boolean arrays = random.nextBoolean();
        for (int i = 0; i < depth; i++) {
            deep.append(arrays ? "[" : "{\"a\":");
        }
        deep.append("1");
        for (int i = 0; i < depth; i++) {
            deep.append(arrays ? "]" : "}");
        }
        List<int[]> spans = new ArrayList<>();
        Matcher m = VALUE.matcher(text);
        while (m.find()) {
            spans.add(new int[] {m.start(1), m.end(1)});
        }
        if (spans.isEmpty() || random.nextInt(8) == 0) {
            return deep.toString().getBytes(StandardCharsets.ISO_8859_1);
        }
        int[] s = spans.get(random.nextInt(spans.size()));
        return (text.substring(0, s[0]) + deep + text.substring(s[1])).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int indexOf(byte[] value, byte b, int from) {
        for (int i = from; i < value.length; i++) {
            if (value[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] insert(byte[] value, int at, byte[] bytes) {
        byte[] out = new byte[value.length + bytes.length];
        System.arraycopy(value, 0, out, 0, at);
        System.arraycopy(bytes, 0, out, at, bytes.length);
        System.arraycopy(value, at, out, at + bytes.length, value.length - at);
        return out;
    }
}
