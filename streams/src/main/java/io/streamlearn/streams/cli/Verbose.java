package io.streamlearn.streams.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Whether the {@code --verbose} option every command inherits from {@code streamlearn} was given. */
final class Verbose {
    private Verbose() {
    }

    static boolean given(CommandSpec spec) {
        if (spec == null || spec.commandLine() == null) {
            return false;
        }
        CommandLine.ParseResult r = spec.commandLine().getParseResult();
        return r != null && r.originalArgs().contains("--verbose");
    }
}
