package io.streamlearn.streams.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

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

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, order = 100,
            description = "On failure, print the stack trace; show the Kafka clients' warnings while waiting.")
    boolean verbose;

    /**
     * The command line as {@link #main} runs it: every failure is one line on stderr (see
     * {@link Failures}), exit code 2 for a wrong command line and 1 for a failure at run time; every
     * duration option reads {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2d} or ISO-8601.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new StreamlearnCommand());
        cl.registerConverter(Duration.class, new DurationConverter());
        Failures failures = new Failures();
        cl.setExecutionExceptionHandler(failures);
        cl.setParameterExceptionHandler(failures);
        sameOptionOrder(cl);
        return cl;
    }

    /** Where every command lists an option: how to reach Kafka first, then its own, then the common ones. */
    private static final List<String> FIRST = List.of("--bootstrap-servers", "--config", "--set", "--connect-timeout");
    private static final List<String> LAST = List.of("--verbose", "--help", "--version");

    /**
     * Every command's help lists its options in one order: the connection options ({@link KafkaOptions})
     * where the command has them, the command's own in declaration order, then --verbose, --help, --version.
     */
    private static void sameOptionOrder(CommandLine cl) {
        List<OptionSpec> declared = cl.getCommandSpec().options();
        Comparator<OptionSpec> order = Comparator.comparingInt(o -> {
            String name = o.longestName();
            if (FIRST.contains(name)) {
                return FIRST.indexOf(name);
            }
            if (LAST.contains(name)) {
                return 10_000 + LAST.indexOf(name);
            }
            return 1_000 + declared.indexOf(o);
        });
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST,
                help -> help.optionList(help.createDefaultLayout(), order, help.parameterLabelRenderer()));
        for (CommandLine sub : cl.getSubcommands().values()) {
            sameOptionOrder(sub);
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
