package org.netspec.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.netspec.runtime.model.Model;

/**
 * The classes generated from every spec in models/, compiled once per test JVM with all lint
 * warnings as errors (generated code must compile cleanly), and a reflective builder for them.
 */
final class CompiledModels {
    private static ClassLoader loader;

    private CompiledModels() {}

    static synchronized ClassLoader loader() {
        if (loader == null) {
            try {
                loader = compile();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return loader;
    }

    private static ClassLoader compile() throws IOException {
        GenerationResult result = NetSpecGenerator.generate(List.of(GoldenFileTest.MODELS.resolve("resnet.net"),
                GoldenFileTest.MODELS.resolve("cifar_resnet.net")), CompiledModels.class.getClassLoader());
        assertThat(result.diagnostics().format()).isEmpty();
        Path dir = Files.createTempDirectory("netspec-generated");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        List<String> options = List.of("-Xlint:all", "-Werror", "-d", classes.toString(),
                "-classpath", System.getProperty("java.class.path"));
        List<String> sources = new ArrayList<>();
        for (GeneratedFile f : result.files()) {
            Path file = dir.resolve("src").resolve(f.path());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.content());
            sources.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter out = new StringWriter();
        boolean ok = javac.getTask(out, null, null, options, null,
                javac.getStandardFileManager(null, null, null).getJavaFileObjectsFromStrings(sources)).call();
        assertThat(out.toString()).as("javac output").isEmpty();
        assertThat(ok).isTrue();
        return new URLClassLoader(new URL[] {classes.toUri().toURL()}, CompiledModels.class.getClassLoader());
    }

    /** {@code build("ResNet18", "classes", 10, "inputShape", new int[] {3, 64, 64}, "seed", 7L)}. */
    static Model build(String model, Object... settings) throws ReflectiveOperationException {
        Class<?> type = loader().loadClass("org.netspec.models." + model);
        Object builder = type.getMethod("builder").invoke(null);
        for (int i = 0; i < settings.length; i += 2) {
            Object value = settings[i + 1];
            Method setter = value instanceof org.nd4j.linalg.api.buffer.DataType
                    ? builder.getClass().getMethod((String) settings[i], org.nd4j.linalg.api.buffer.DataType.class)
                    : value instanceof int[] ? builder.getClass().getMethod((String) settings[i], int[].class)
                    : value instanceof java.util.List ? builder.getClass().getMethod((String) settings[i], java.util.List.class)
                    : value instanceof Long ? builder.getClass().getMethod((String) settings[i], long.class)
                    : builder.getClass().getMethod((String) settings[i], int.class);
            builder = setter.invoke(builder, value);
        }
        return (Model) builder.getClass().getMethod("build").invoke(builder);
    }

    static long constant(String model, String name) throws ReflectiveOperationException {
        return loader().loadClass("org.netspec.models." + model).getField(name).getLong(null);
    }
}
