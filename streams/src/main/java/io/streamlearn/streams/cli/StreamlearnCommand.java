package io.streamlearn.streams.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code streamlearn} command: per-key online learning inside Kafka.
 *
 * <pre>{@code
 * ./streamlearn demo --events 20000
 * ./streamlearn run --bootstrap-servers localhost:9092 --model kalman --features temp,load
 * ./streamlearn backtest --input events.csv --model kalman --model sgd
 * }</pre>
 */
@Command(name = "streamlearn",
        mixinStandardHelpOptions = true,
        version = "streamlearn 0.1.0",
        description = "Per-key online learning inside Kafka Streams.",
        subcommands = {
                RunCommand.class,
                DemoCommand.class,
                BacktestCommand.class,
                CommandLine.HelpCommand.class
        })
public final class StreamlearnCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new StreamlearnCommand()).execute(args));
    }
}
