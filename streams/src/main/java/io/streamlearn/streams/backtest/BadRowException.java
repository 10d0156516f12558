package io.streamlearn.streams.backtest;

/** A row of a backtest input that cannot be used; the source has moved past it. */
public final class BadRowException extends Exception {
    private static final long serialVersionUID = 1L;
    private final long line;
    private final String reason;

    public BadRowException(long line, String reason) {
        super("line " + line + ": " + reason, null, false, false);
        this.line = line;
        this.reason = reason;
    }

    /** 1-based line (or record) number. */
    public long line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
