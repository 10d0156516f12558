package io.streamlearn.learn;

/** Input checks shared by every learner. Allocation happens only on the failure path. */
public final class Inputs {

    /**
     * Largest magnitude accepted for a feature or label. Anything larger squares to infinity in a
     * second-order update (1e150^2 overflows), so it is refused as absurd.
     */
    public static final double MAX_ABS = 1e150;

    private Inputs() {
    }

    /** Checks the size and values of {@code x}. */
    public static void check(double[] x, int dimension) {
        if (x.length != dimension) {
            throw new InvalidInputException("wrong-size", "expected " + dimension + " features, got " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (!(Math.abs(v) <= MAX_ABS)) {
                throw new InvalidInputException(Double.isFinite(v) ? "absurd-feature" : "non-finite-feature",
                        "feature " + i + " is " + v);
            }
        }
    }

    /** Checks {@code x} and the label. */
    public static void check(double[] x, int dimension, double label) {
        check(x, dimension);
        checkLabel(label);
    }

    public static void checkLabel(double label) {
        if (!(Math.abs(label) <= MAX_ABS)) {
            throw new InvalidInputException(Double.isFinite(label) ? "absurd-label" : "non-finite-label",
                    "label is " + label);
        }
    }
}
