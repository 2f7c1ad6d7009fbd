package org.netspec.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.netspec.dsl.Program;
import org.netspec.dsl.ir.ModelGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Parse and check spec files, and elaborate every model that has an input shape.",
                "Exit status 0 when all is well, 1 with diagnostics on stderr otherwise."})
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "spec files (.net)")
    List<Path> files;

    @Override
    public Integer call() {
        Program program = SpecFiles.load(files);
        List<ModelGraph> graphs = program.elaborateAll(); // sound models even when others have errors
        if (program.diagnostics().hasErrors()) {
            spec.commandLine().getErr().print(program.diagnostics().format());
            spec.commandLine().getErr().flush();
            return 1;
        }
        for (ModelGraph g : graphs) {
            spec.commandLine().getOut().printf("%s: ok (%s -> %s, %,d params, %,d MACs)%n", g.model(), g.input(),
                    g.outputShape(), g.params(), g.macs());
        }
        spec.commandLine().getOut().printf("%d %s checked, no errors%n", files.size(), files.size() == 1 ? "file" : "files");
        return 0;
    }
}
