package org.netspec.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.netspec.codegen.GeneratedFile;
import org.netspec.codegen.GenerationResult;
import org.netspec.codegen.NetSpecGenerator;
import org.netspec.dsl.Frontend;
import org.netspec.dsl.Program;
import org.netspec.dsl.syntax.Definition;
import org.netspec.runtime.model.Model;

/**
 * Runs any spec, not only compiled ones: generates its Java classes exactly as the Maven plugin
 * does, compiles them in process with javax.tools and instantiates the model. Generated and
 * command-line models therefore share one code path — the generated classes.
 */
final class ModelLoader {
    private ModelLoader() {}

    /** Thrown with the diagnostics already formatted for the user. */
    static final class SpecException extends Exception {
        private static final long serialVersionUID = 1L;

        SpecException(String message) {
            super(message);
        }
    }

    /**
     * Builds MODEL of FILE — a model name or a call such as {@code ResNet(block: BasicBlock, ...)}
     * — for inputs of shape {@code input} (C, H, W; null: the model's own) with the given seed.
     */
    static Model load(Path spec, String model, int[] input, long seed) throws SpecException, IOException {
        Path work = Files.createTempDirectory("netspec-run");
        try {
            List<Path> specs = new ArrayList<>(List.of(spec));
            String className = model.strip();
            // The front end runs once: on the file alone for a model it defines, else with a wrapper.
            Program program = className.matches("[A-Za-z_][A-Za-z_0-9]*")
                    ? Frontend.load(specs, ModelLoader.class.getClassLoader()) : null;
            if (program == null || program.models().stream().noneMatch(m -> m.name().equals(className))) {
                // A call: wrap it in a model definition of its own, in a file next to nothing.
                Path wrapper = work.resolve("command_line.net");
                String shape = input == null ? ""
                        : " input " + String.join("x", java.util.Arrays.stream(input).mapToObj(String::valueOf).toList());
                Files.writeString(wrapper, "import \"" + spec.toAbsolutePath().toString().replace("\\", "\\\\")
                        + "\";\nmodel CommandLineModel = " + model + shape + ";\n");
                specs.add(wrapper);
                specs.sort(null);
                program = Frontend.load(specs, ModelLoader.class.getClassLoader());
            }
            String name = program.models().stream().anyMatch(m -> m.name().equals(className)) ? className
                    : "CommandLineModel";
            GenerationResult result = NetSpecGenerator.generate(program, specs);
            if (!result.ok()) {
                // the wrapper is a temporary file of ours: name it as the user knows it
                throw new SpecException(result.diagnostics().format()
                        .replace(work.resolve("command_line.net").toString(), "<command line>"));
            }
            Path classes = compile(result.files(), work);
            ClassLoader loader = new ChildFirst(classes.toUri().toURL(), ModelLoader.class.getClassLoader());
            // Every generated class is defined now, so that the temporary folder can go at once.
            try (var files = Files.walk(classes)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String binary = classes.relativize(f).toString().replace(java.io.File.separatorChar, '.');
                    Class.forName(binary.substring(0, binary.length() - ".class".length()), false, loader);
                }
            }
            String pkg = packageOf(program, name);
            Class<?> type = loader.loadClass(pkg.isEmpty() ? name : pkg + "." + name);
            return org.netspec.runtime.model.Generated.build(type, input, seed);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof IllegalArgumentException) {
                throw new SpecException("netspec: " + cause.getMessage());
            }
            throw new IOException("cannot instantiate " + model + ": " + cause, cause);
        }
        finally {
            deleteRecursively(work);
        }
    }

    /**
     * Prefers the freshly generated classes: the models jar on the class path holds classes of
     * the same names, generated from the shipped specs, which the user's file may have changed.
     */
    private static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL classes, ClassLoader parent) {
            super(new URL[] {classes}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && !name.startsWith("java.")) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        c = null;
                    }
                }
                if (c == null) {
                    c = super.loadClass(name, false);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String packageOf(Program program, String className) {
        for (var file : program.files()) {
            for (Definition def : file.definitions()) {
                if (def.name().equals(className)) {
                    return file.packageName().orElse("");
                }
            }
        }
        return "";
    }

    private static Path compile(List<GeneratedFile> files, Path work) throws IOException, SpecException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new SpecException("netspec: running a spec needs a JDK (javac), but this Java is a JRE");
        }
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> sources = new ArrayList<>();
        for (GeneratedFile f : files) {
            Path file = work.resolve("src").resolve(f.path());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.content());
            sources.add(file.toString());
        }
        StringWriter out = new StringWriter();
        boolean ok = javac.getTask(new PrintWriter(out), null, null,
                List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"), "-nowarn"), null,
                javac.getStandardFileManager(null, null, null).getJavaFileObjectsFromStrings(sources)).call();
        if (!ok) {
            throw new IOException("generated code did not compile (a NetSpec bug):\n" + out);
        }
        return classes;
    }
}
