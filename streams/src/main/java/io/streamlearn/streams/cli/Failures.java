package io.streamlearn.streams.cli;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Duration;

/**
 * How every command fails: one line on stderr, {@code streamlearn COMMAND: what went wrong}, naming the
 * file, option or host; exit code 2 for a wrong command line and 1 for a failure at run time. The stack
 * trace only with {@code --verbose}.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(name(cl) + ": " + e.getMessage().strip().replace('\n', ' ')
                + " (see '" + name(cl) + " --help')");
        err.flush();
        return CommandFailure.USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
        boolean verbose = parseResult.originalArgs().contains("--verbose");
        PrintWriter err = cl.getErr();
        if (verbose) {
            e.printStackTrace(err);
        }
        Line line = describe(e, servers(cl));
        err.println(name(cl) + ": " + line.text + (verbose || !line.hint ? "" : " (--verbose shows the stack trace)"));
        err.flush();
        return line.code;
    }

    /** @param hint whether to point at --verbose: for failures the line cannot explain */
    private record Line(int code, String text, boolean hint) {
        Line(int code, String text) {
            this(code, text, false);
        }
    }

    /** The Kafka the command was talking to, when it has {@link KafkaOptions} and got that far. */
    private static String servers(CommandLine cl) {
        for (CommandLine.Model.CommandSpec mixin : cl.getCommandSpec().mixins().values()) {
            if (mixin.userObject() instanceof KafkaOptions k && k.servers != null) {
                return k.servers;
            }
        }
        return "the cluster";
    }

    private static Line describe(Throwable e, String servers) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CommandFailure f) {
                return new Line(f.exitCode, f.getMessage());
            }
            if (t instanceof NoSuchFileException f) {
                return new Line(CommandFailure.USAGE, f.getFile() + ": no such file or directory");
            }
            if (t instanceof AccessDeniedException f) {
                return new Line(CommandFailure.USAGE, f.getFile() + ": permission denied");
            }
            if (t instanceof NotDirectoryException f) {
                return new Line(CommandFailure.USAGE, f.getFile() + ": not a directory");
            }
            if (t instanceof FileAlreadyExistsException f) {
                return new Line(CommandFailure.USAGE, f.getFile() + ": already exists");
            }
            if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
                return new Line(CommandFailure.RUNTIME, KafkaCheck.failure(servers, Duration.ZERO, t).getMessage());
            }
        }
        if (e instanceof IllegalArgumentException) {
            return new Line(CommandFailure.USAGE, e.getMessage());
        }
        if (e instanceof IllegalStateException) {
            return new Line(CommandFailure.RUNTIME, e.getMessage(), true);
        }
        return new Line(CommandFailure.RUNTIME, e.getClass().getSimpleName() + ": " + KafkaCheck.rootMessage(e), true);
    }

    /** "streamlearn export" for the export command. */
    private static String name(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName();
    }

    /** 30s, 10m, 1h: a duration as the options take it. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0 && ms > 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0 && ms > 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0 && ms > 0) {
            return ms / 60_000L + "m";
        }
        if (ms % 1000L == 0) {
            return ms / 1000L + "s";
        }
        return ms + "ms";
    }
}
