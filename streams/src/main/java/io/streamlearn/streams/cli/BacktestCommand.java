package io.streamlearn.streams.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code streamlearn backtest}: being written in this change. */
@Command(name = "backtest", description = "(being written)")
public final class BacktestCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("streamlearn backtest: not available in this build");
        return 2;
    }
}
