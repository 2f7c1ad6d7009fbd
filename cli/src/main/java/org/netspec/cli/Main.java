package org.netspec.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code netspec}: the command-line tool. Each subcommand lives in its own class. */
@Command(name = "netspec", mixinStandardHelpOptions = true, version = "netspec 0.1.0",
        description = "Define, check and inspect residual networks written in the .net language.",
        subcommands = {CheckCommand.class, SummaryCommand.class, GraphCommand.class, InferCommand.class, BenchCommand.class, TrainCommand.class,
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

    /** Runs the tool without exiting the JVM (tests call this). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("netspec: internal error: " + e);
            return 2;
        });
        return cli.execute(args);
    }
}
