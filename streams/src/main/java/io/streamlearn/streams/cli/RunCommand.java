package io.streamlearn.streams.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code streamlearn run}: being written in this change. */
@Command(name = "run", description = "(being written)")
public final class RunCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("streamlearn run: not available in this build");
        return 2;
    }
}
