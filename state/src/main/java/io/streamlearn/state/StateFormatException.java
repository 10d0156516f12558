package io.streamlearn.state;

/** State bytes that cannot be read: unknown version, truncated, or written by another model. */
public final class StateFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StateFormatException(String message) {
        super(message);
    }
}
