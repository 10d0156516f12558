package io.streamlearn.learn.sgd;

import java.util.Locale;

/**
 * The step rules of {@link SgdLearner}; each documents its equations and its per-coordinate state on
 * {@link SgdLearner}. The learner switches on this enum once per event, so the hot path has no virtual
 * dispatch.
 */
public enum Step {
    /** {@code w -= lr · g}. */
    CONSTANT,
    /** {@code w -= lr / t^power_t · g}, t the key's update count (scikit-learn's {@code invscaling}). */
    INVSCALING,
    /** AdaGrad (Duchi, Hazan and Singer 2011): {@code G += g²; w -= lr · g / (√G + eps)}. */
    ADAGRAD,
    /** Adam (Kingma and Ba 2015, algorithm 1) with bias correction. */
    ADAM,
    /**
     * Vowpal Wabbit's default: normalized (Ross, Mineiro and Langford 2013), adaptive and
     * importance-invariant (Karampatziakis and Langford 2011). Scale-free in every feature's units.
     */
    NORMALIZED,
    /** FTRL-Proximal (McMahan et al. 2013, algorithm 1), per coordinate; L1 gives exact zeros. */
    FTRL;

    /** The SPEC word, e.g. {@code adagrad}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a SPEC word. */
    public static Step of(String word) {
        return valueOf(word.toUpperCase(Locale.ROOT));
    }
}
