package org.netspec.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code netspec}: the command-line tool. Each subcommand lives in its own class. */
@Command(name = "netspec", mixinStandardHelpOptions = true, version = "netspec 0.1.0",
        description = "Define, check and inspect residual networks written in the .net language.",
        subcommands = {CheckCommand.class, SummaryCommand.class, GraphCommand.class, InferCommand.class, PredictCommand.class, BenchCommand.class, TrainCommand.class,
                EvalCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool without exiting the JVM. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The tool with its exit codes: 1 for anything wrong with the user's command line (picocli's
     * own default would be 2), 2 only for an exception no command turned into a message — a bug.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        SparkSupport spark = TrainCommand.sparkSupport();
        if (spark != null) {
            spark.commands().forEach(cli::addSubcommand);
        }
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("netspec: " + e.getMessage());
            c.getErr().println("see: " + c.getCommandSpec().qualifiedName() + " --help");
            return 1;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof org.netspec.runtime.InputException || e instanceof java.io.IOException) {
                // refused input (a batch, a data set, a file that cannot be read or written), found
                // while running: the user's or the machine's to fix, not a bug in NetSpec
                commandLine.getErr().println("netspec " + commandLine.getCommandName() + ": " + e.getMessage());
                return 1;
            }
            commandLine.getErr().println("netspec: internal error: " + e);
            commandLine.getErr().println("This is a bug in NetSpec; please report it with the command line and this"
                    + " trace:");
            e.printStackTrace(commandLine.getErr());
            return 2;
        });
        return cli;
    }
}
