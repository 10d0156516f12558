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
 * ./streamlearn replay --bootstrap-servers localhost:9092 --topic events --from 2017-01-01T00:00:00Z --to 2017-02-01T00:00:00Z --model sgd --output-topic predictions-jan
 * ./streamlearn broker --port 9092
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
                ReplayCommand.class,
                BrokerCommand.class,
                ExportCommand.class,
                ImportCommand.class,
                CommandLine.HelpCommand.class
        })
public final class StreamlearnCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * The command line as {@link #main} runs it: a bad setting (an {@link IllegalArgumentException},
     * e.g. an unknown model) prints one line on stderr and exits with 2, not a stack trace.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new StreamlearnCommand());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof IllegalArgumentException) {
                commandLine.getErr().println(commandLine.getCommandName() + ": " + e.getMessage());
                commandLine.getErr().flush();
                return 2;
            }
            throw e;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
