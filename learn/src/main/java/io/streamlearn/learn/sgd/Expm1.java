package io.streamlearn.learn.sgd;

/**
 * {@code e^x − 1} with exactly the bits of {@link StrictMath#expm1} (and so of {@link Math#expm1}, which
 * delegates to it): the algorithm of fdlibm's {@code s_expm1.c} written in Java. On JDK 17,
 * {@code StrictMath.expm1} is a native call costing about 60 ns on the build VM (2026-12-02), a third of
 * a whole predict + learn of the default {@code sgd} at d = 32; this runs in a few nanoseconds.
 * {@code Expm1Test} checks it bit for bit against {@code StrictMath.expm1} over every range of the
 * algorithm. Static, allocation-free.
 *
 * <p>Algorithm (fdlibm 5.3, Sun Microsystems, 1993: "Permission to use, copy, modify, and distribute
 * this software is freely granted, provided that this notice is preserved."): reduce
 * {@code x = k·ln2 + r} with {@code |r| ≤ 0.5·ln2}; approximate {@code expm1(r)} by a rational function
 * of {@code r} built from a degree-5 polynomial in {@code r²/2} (the Q coefficients) with a correction
 * term {@code c} for the rounding of the reduction; scale back by {@code 2^k} through the exponent bits.
 */
final class Expm1 {

    private static final double HUGE = 1.0e+300;
    private static final double TINY = 1.0e-300;
    /** 0x40862E42_FEFA39EF: above this e^x overflows. */
    private static final double O_THRESHOLD = 7.09782712893383973096e+02;
    /** 0x3FE62E42_FEE00000: the high part of ln 2 (its low 32 bits are zero, so k·LN2_HI is exact). */
    private static final double LN2_HI = 6.93147180369123816490e-01;
    /** 0x3DEA39EF_35793C76. */
    private static final double LN2_LO = 1.90821492927058770002e-10;
    /** 0x3FF71547_652B82FE. */
    private static final double INV_LN2 = 1.44269504088896338700e+00;
    private static final double Q1 = -3.33333333333331316428e-02;
    private static final double Q2 = 1.58730158725481460165e-03;
    private static final double Q3 = -7.93650757867487942473e-05;
    private static final double Q4 = 4.00821782732936239552e-06;
    private static final double Q5 = -2.01099218183624371326e-07;

    private Expm1() {
    }

    /** {@code e^x − 1}, bit-identical to {@link StrictMath#expm1(double)}. */
    static double expm1(double x) {
        long bits = Double.doubleToRawLongBits(x);
        int hx = (int) (bits >>> 32);
        boolean negative = hx < 0;
        hx &= 0x7fffffff;

        // huge and non-finite arguments
        if (hx >= 0x4043687A) {                 // |x| >= 56 ln2
            if (hx >= 0x40862E42) {             // |x| >= 709.78...
                if (hx >= 0x7ff00000) {
                    if (((hx & 0xfffff) | (int) bits) != 0) {
                        return x + x;           // NaN
                    }
                    return negative ? -1.0 : x; // expm1(±inf) = {-1, inf}
                }
                if (x > O_THRESHOLD) {
                    return HUGE * HUGE;         // overflow
                }
            }
            if (negative && x + TINY < 0.0) {   // x < -56 ln2
                return TINY - 1.0;              // -1
            }
        }

        // argument reduction
        int k;
        double c = 0;
        if (hx > 0x3fd62e42) {                  // |x| > 0.5 ln2
            double hi;
            double lo;
            if (hx < 0x3FF0A2B2) {              // and |x| < 1.5 ln2
                if (!negative) {
                    hi = x - LN2_HI;
                    lo = LN2_LO;
                    k = 1;
                } else {
                    hi = x + LN2_HI;
                    lo = -LN2_LO;
                    k = -1;
                }
            } else {
                k = (int) (INV_LN2 * x + (negative ? -0.5 : 0.5));
                double t = k;
                hi = x - t * LN2_HI;            // exact
                lo = t * LN2_LO;
            }
            x = hi - lo;
            c = (hi - x) - lo;
        } else if (hx < 0x3c900000) {           // |x| < 2^-54: x itself
            double t = HUGE + x;
            return x - (t - (HUGE + x));
        } else {
            k = 0;
        }

        // x in the primary range
        double hfx = 0.5 * x;
        double hxs = x * hfx;
        double r1 = 1.0 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
        double t = 3.0 - r1 * hfx;
        double e = hxs * ((r1 - t) / (6.0 - x * t));
        if (k == 0) {
            return x - (x * e - hxs);           // c is 0
        }
        e = (x * (e - c) - c);
        e -= hxs;
        if (k == -1) {
            return 0.5 * (x - e) - 0.5;
        }
        if (k == 1) {
            if (x < -0.25) {
                return -2.0 * (e - (x + 0.5));
            }
            return 1.0 + 2.0 * (x - e);
        }
        if (k <= -2 || k > 56) {                // exp(x) - 1 suffices
            double y = 1.0 - (e - x);
            return addExponent(y, k) - 1.0;
        }
        double y;
        if (k < 20) {
            double u = highWord(0x3ff00000 - (0x200000 >> k)); // 1 - 2^-k
            y = u - (e - x);
        } else {
            double u = highWord((0x3ff - k) << 20);            // 2^-k
            y = x - (e + u);
            y += 1.0;
        }
        return addExponent(y, k);
    }

    /** The double whose high 32 bits are {@code hi} and low 32 bits zero. */
    private static double highWord(int hi) {
        return Double.longBitsToDouble((long) hi << 32);
    }

    /** fdlibm's {@code __HI(y) += k << 20}: adds k to the exponent field of y. */
    private static double addExponent(double y, int k) {
        return Double.longBitsToDouble(Double.doubleToRawLongBits(y) + ((long) k << 52));
    }
}
