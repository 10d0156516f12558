package io.streamlearn.streams.cli;

/**
 * A failure a command reports as one line on stderr, with its exit code: {@link #USAGE} (2) when the
 * command line is wrong (a missing file, a bad value), {@link #RUNTIME} (1) when the world is (Kafka
 * unreachable, a refused password).
 */
final class CommandFailure extends RuntimeException {
    static final int RUNTIME = 1;
    static final int USAGE = 2;

    final int exitCode;

    private CommandFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CommandFailure usage(String message) {
        return new CommandFailure(USAGE, message, null);
    }

    static CommandFailure runtime(String message, Throwable cause) {
        return new CommandFailure(RUNTIME, message, cause);
    }
}
