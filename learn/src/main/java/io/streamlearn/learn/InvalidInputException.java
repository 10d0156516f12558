package io.streamlearn.learn;

/**
 * An input a learner refuses: a non-finite or absurdly large feature or label, or a vector of the
 * wrong size. {@link #reason()} is a short machine-readable word for dead letters and counters.
 */
public final class InvalidInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    public InvalidInputException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** e.g. {@code non-finite-feature}, {@code non-finite-label}, {@code wrong-size}. */
    public String reason() {
        return reason;
    }
}
