package io.streamlearn.streams.backtest;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CSV reader's in-place number parser ({@link CsvEventSource#parseDouble}) against
 * {@link Double#parseDouble}, the reference: the same bits for every text, and an exception for the same
 * texts. Random doubles of every magnitude written in several forms, random digit strings, and edge cases
 * (subnormals, rounding ties, more than 19 significant digits, overflow, hexadecimal, whitespace, suffixes).
 */
class CsvNumberParsingTest {

    private static final int CASES = 200_000;

    @Test
    void shouldGiveTheBitsOfParseDoubleForRandomDoublesInEveryForm() {
        SplittableRandom random = new SplittableRandom(17);
        int checked = 0;
        for (int n = 0; n < CASES; n++) {
            double d = Double.longBitsToDouble(random.nextLong());
            if (!Double.isFinite(d)) {
                continue;
            }
            for (String text : forms(d, random)) {
                assertSame(text);
                checked++;
            }
        }
        assertTrue(checked > CASES * 4, "checked " + checked);
    }

    @Test
    void shouldGiveTheBitsOfParseDoubleForRandomDecimalStrings() {
        SplittableRandom random = new SplittableRandom(42);
        for (int n = 0; n < CASES; n++) {
            StringBuilder b = new StringBuilder();
            if (random.nextBoolean()) {
                b.append(random.nextBoolean() ? '-' : '+');
            }
            int digits = 1 + random.nextInt(30);
            int point = random.nextInt(digits + 1);
            for (int i = 0; i < digits; i++) {
                if (i == point) {
                    b.append('.');
                }
                b.append((char) ('0' + random.nextInt(10)));
            }
            if (random.nextInt(3) == 0) {
                b.append(random.nextBoolean() ? 'e' : 'E').append(random.nextInt(700) - 350);
            }
            assertSame(b.toString());
        }
    }

    @Test
    void shouldAgreeOnEdgeCasesAndOnWhatIsNotANumber() {
        List<String> edge = List.of("0", "-0", "+0", "0.0", "-0.0", ".5", "5.", "1e0", "1E+2", "1e-2",
                "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "2.225073858507201e-308",
                "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308",
                "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309", "1e-400",
                "9007199254740993", "9007199254740992.5", "0.1", "0.30000000000000004",
                "123456789012345678901234567890", "0.000000000000000000000000000001234567890123456789",
                "1.00000000000000011102230246251565404236316680908203125",
                "1.00000000000000011102230246251565404236316680908203124",
                "1.00000000000000011102230246251565404236316680908203126",
                "NaN", "Infinity", "-Infinity", "+Infinity", "1d", "1D", "1f", "1.5F", " 1.5", "1.5 ", "\t2\t",
                "0x1p3", "0X1.8P-1", "-0x1.fffffffffffffp1023", "0x.8p1", "0x1p-1074", "0x1p-1075",
                "1-2", "1..2", ".", "e5", "1e", "1e+", "--1", "+-1", "0x", "0x1", "nan", "inf", "1,5",
                "1_000", "١", "", " ", "1e2147483648", "1e-2147483649", "0e99999999999");
        for (String text : edge) {
            assertSame(text);
        }
    }

    @Test
    void shouldReadANumberInsideALongerBuffer() {
        char[] buf = "x,-12.5e3,y".toCharArray();
        assertEquals(-12.5e3, CsvEventSource.parseDouble(buf, 2, 7));
    }

    private static List<String> forms(double d, SplittableRandom random) {
        List<String> out = new ArrayList<>();
        out.add(Double.toString(d));
        out.add(new BigDecimal(d).toString());               // exact, up to ~770 digits
        out.add(new BigDecimal(d).toPlainString().length() < 400 ? new BigDecimal(d).toPlainString() : Double.toString(-d));
        out.add(String.format(Locale.ROOT, "%." + random.nextInt(20) + "e", d));
        out.add(String.format(Locale.ROOT, "%.17g", d));
        out.add(Double.toHexString(d));
        float f = (float) d;
        if (Float.isFinite(f)) {
            out.add(Float.toString(f));
        }
        return out;
    }

    private static void assertSame(String text) {
        char[] padded = ("#" + text + "#").toCharArray();
        Double expected;
        try {
            expected = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            expected = null;
        }
        Double actual;
        try {
            actual = CsvEventSource.parseDouble(padded, 1, text.length());
        } catch (NumberFormatException e) {
            actual = null;
        }
        if (expected == null) {
            assertNull(actual, () -> "'" + text + "' is not a number for parseDouble");
        } else {
            assertNotNull(actual, () -> "'" + text + "'");
            assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual), () -> "bits of '" + text + "'");
        }
    }
}
