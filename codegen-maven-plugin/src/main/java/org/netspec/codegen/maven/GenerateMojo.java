package org.netspec.codegen.maven;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.model.Resource;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;
import org.netspec.dsl.diag.Diagnostic;
import org.sonatype.plexus.build.incremental.BuildContext;

/**
 * {@code netspec:generate}: Java classes from the project's {@code .net} specs. A thin layer: it
 * maps configuration into an {@link IncrementalGeneration.Request}, reports diagnostics the way
 * IDEs parse them, and registers the generated sources and the specs (as resources, so that other
 * projects can import them from this jar).
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true,
        requiresDependencyResolution = ResolutionScope.COMPILE)
public final class GenerateMojo extends AbstractMojo {

    @Parameter(defaultValue = "${project.basedir}/src/main/net", property = "netspec.sourceDirectory")
    private File sourceDirectory;

    @Parameter(defaultValue = "${project.build.directory}/generated-sources/netspec",
            property = "netspec.outputDirectory")
    private File outputDirectory;

    @Parameter(defaultValue = "false", property = "netspec.skip")
    private boolean skip;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    @Parameter(defaultValue = "${plugin.version}", readonly = true)
    private String pluginVersion;

    @Component
    private BuildContext buildContext;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("NetSpec: skipped");
            return;
        }
        project.addCompileSourceRoot(outputDirectory.getPath());
        if (sourceDirectory.isDirectory()) {
            Resource specs = new Resource();
            specs.setDirectory(sourceDirectory.getPath());
            specs.addInclude("**/*.net");
            project.addResource(specs);
        }
        IncrementalGeneration.Outcome outcome;
        try (URLClassLoader imports = importClasspath()) {
            IncrementalGeneration.Request request = new IncrementalGeneration.Request(sourceDirectory.toPath(),
                    outputDirectory.toPath(), Path.of(project.getBuild().getDirectory(), "netspec"), imports,
                    pluginVersion, "sourceDirectory=" + sourceDirectory + "\noutputDirectory=" + outputDirectory);
            outcome = IncrementalGeneration.run(request);
        } catch (IOException e) {
            throw new MojoExecutionException("NetSpec: cannot generate: " + e.getMessage(), e);
        }
        buildContext.removeMessages(sourceDirectory);
        List<Diagnostic> errors = outcome.result().diagnostics().all();
        if (!outcome.result().ok()) {
            for (Diagnostic d : errors) {
                File file = fileOf(d.pos().file());
                // file:[line,col] is the form IDEs and m2e turn into markers.
                getLog().error(file.getPath() + ":[" + d.pos().line() + "," + d.pos().column() + "] "
                        + d.severity().label() + "[" + d.code().name() + "]: " + d.message());
                if (buildContext.isIncremental()) {
                    // In an IDE (m2e), a marker on the spec; on the command line the log line above says it.
                    buildContext.addMessage(file, d.pos().line(), d.pos().column(), d.message(),
                            BuildContext.SEVERITY_ERROR, null);
                }
            }
            int count = outcome.result().diagnostics().errorCount();
            throw new MojoFailureException("NetSpec found " + count + (count == 1 ? " error" : " errors")
                    + " in " + sourceDirectory);
        }
        if (outcome.written() > 0 || outcome.deleted() > 0) {
            buildContext.refresh(outputDirectory);
        }
        getLog().info(String.format("NetSpec: %d classes from %d specs in %d ms (%s%d written, %d unchanged, %d deleted)",
                outcome.result().files().size(), outcome.specs(), outcome.millis(), outcome.upToDate() ? "up to date, " : "",
                outcome.written(), outcome.unchanged(), outcome.deleted()));
    }

    private File fileOf(String display) {
        File file = new File(display);
        return file.isAbsolute() ? file : new File(project.getBasedir(), display);
    }

    /** The project's compile class path, where imported specs of dependencies (the models jar) live. */
    private URLClassLoader importClasspath() throws MojoExecutionException {
        List<URL> urls = new ArrayList<>();
        try {
            for (String element : project.getCompileClasspathElements()) {
                urls.add(new File(element).toURI().toURL());
            }
        } catch (org.apache.maven.artifact.DependencyResolutionRequiredException | MalformedURLException e) {
            throw new MojoExecutionException("NetSpec: cannot read the compile class path", e);
        }
        return new URLClassLoader(urls.toArray(new URL[0]), getClass().getClassLoader());
    }
}
