package io.streamlearn.streams.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code streamlearn demo}: being written in this change. */
@Command(name = "demo", description = "(being written)")
public final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("streamlearn demo: not available in this build");
        return 2;
    }
}
