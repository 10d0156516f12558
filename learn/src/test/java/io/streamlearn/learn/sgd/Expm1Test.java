package io.streamlearn.learn.sgd;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Expm1} against the JDK's fdlibm {@link StrictMath#expm1}, bit for bit. */
class Expm1Test {

    private static void same(double x) {
        long expected = Double.doubleToRawLongBits(StrictMath.expm1(x));
        long actual = Double.doubleToRawLongBits(Expm1.expm1(x));
        if (expected != actual) {
            assertEquals(StrictMath.expm1(x), Expm1.expm1(x), 0.0, "expm1(" + x + ") = " + Double.toHexString(x));
            assertEquals(expected, actual, "bits of expm1(" + Double.toHexString(x) + ")");
        }
    }

    @Test
    void shouldMatchStrictMathOnSpecialValues() {
        double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL, Double.MAX_VALUE,
            -Double.MAX_VALUE, 709.782712893384, 709.7827128933841, 709.78, 710, -745, -746, -1e300,
            Math.log(2) / 2, -Math.log(2) / 2, 1.5 * Math.log(2), -1.5 * Math.log(2), 56 * Math.log(2),
            -56 * Math.log(2), 0x1p-54, -0x1p-54, 0x1p-55, 1, -1, 0.25, -0.25, 20 * Math.log(2),
            19.5 * Math.log(2), 20.5 * Math.log(2)};
        for (double x : special) {
            same(x);
            same(Math.nextUp(x));
            same(Math.nextDown(x));
        }
    }

    @Test
    void shouldMatchStrictMathOnEveryRange() {
        SplittableRandom random = new SplittableRandom(20261202);
        for (int n = 0; n < 200_000; n++) {
            same(random.nextDouble(-800, 800));
            same(random.nextDouble(-45, 45));
            same(random.nextDouble(-1.1, 1.1));
            same(-random.nextDouble() * 50);                                  // the sgd step: expm1(-a), a >= 0
            same(Math.scalb(random.nextDouble(-1, 1), -random.nextInt(70)));  // small magnitudes
            same(Double.longBitsToDouble(random.nextLong()));                 // any bit pattern
        }
        for (int k = -60; k <= 60; k++) {                                     // every reduction k and its edges
            double centre = k * Math.log(2);
            for (int j = -20; j <= 20; j++) {
                same(centre + j * 0.025);
            }
        }
    }
}
