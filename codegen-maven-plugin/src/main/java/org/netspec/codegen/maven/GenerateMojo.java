package org.netspec.codegen.maven;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.inject.Inject;
import org.apache.maven.artifact.DependencyResolutionRequiredException;
import org.apache.maven.model.Resource;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;
import org.netspec.dsl.diag.Diagnostic;
import org.sonatype.plexus.build.incremental.BuildContext;
import org.sonatype.plexus.build.incremental.DefaultBuildContext;

/**
 * Generates Java classes from the project's {@code .net} specs: one class per block, network and
 * model, in the package each spec declares (a spec without {@code package} is warned about,
 * NS061), into {@code target/generated-sources/netspec}, added to the compile sources; the specs
 * themselves go into the jar so that other projects can {@code import} them. Only specs whose
 * content (or whose imports, the plugin or its configuration) changed are regenerated, only
 * changed files are written, and classes of deleted specs are removed. Mistakes in a spec are
 * reported all at once as {@code file:[line,col] error[NSnnn]: message} and fail the build.
 *
 * <p>For NetSpec's developers: {@code netspec:generate} is a thin layer: it
 * maps configuration into an {@link IncrementalGeneration.Request}, reports diagnostics the way
 * IDEs parse them, and registers the generated sources and the specs (as resources, so that other
 * projects can import them from this jar).
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true,
        requiresDependencyResolution = ResolutionScope.COMPILE)
public final class GenerateMojo extends AbstractMojo {

    /** The folder of the project's {@code .net} specs, searched recursively. */
    @Parameter(defaultValue = "${project.basedir}/src/main/net", property = "netspec.sourceDirectory")
    private File sourceDirectory;

    /** Where the generated Java sources go; added to the project's compile source roots. */
    @Parameter(defaultValue = "${project.build.directory}/generated-sources/netspec",
            property = "netspec.outputDirectory")
    private File outputDirectory;

    /** Skips generation altogether ({@code -Dnetspec.skip}). */
    @Parameter(defaultValue = "false", property = "netspec.skip")
    private boolean skip;

    /** The project being built (set by Maven). */
    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /** This plugin's version, part of the staleness key (set by Maven). */
    @Parameter(defaultValue = "${plugin.version}", readonly = true)
    private String pluginVersion;

    /** m2e's context in the IDE (markers, refresh), Plexus' default one on the command line. */
    private final BuildContext buildContext;

    @Inject
    public GenerateMojo(BuildContext buildContext) {
        this.buildContext = buildContext;
    }

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
                    pluginVersion + " " + GeneratorFingerprint.of(), "sourceDirectory=" + sourceDirectory + "\noutputDirectory=" + outputDirectory);
            outcome = IncrementalGeneration.run(request);
        } catch (IOException e) {
            throw new MojoExecutionException("NetSpec: cannot generate: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // A user's mistake is a diagnostic; anything thrown is NetSpec's own fault.
            throw new MojoExecutionException("NetSpec: internal error while generating from " + sourceDirectory, e);
        }
        clearMarkers(outcome.specFiles());
        if (!outcome.result().ok()) {
            for (Diagnostic d : outcome.result().diagnostics().all()) {
                report(d);
            }
            int count = outcome.result().diagnostics().errorCount();
            throw new MojoFailureException("NetSpec found " + count + (count == 1 ? " error" : " errors")
                    + " in " + sourceDirectory);
        }
        for (Diagnostic d : outcome.result().diagnostics().all()) {
            report(d); // warnings of a successful run
        }
        if (outcome.written() > 0 || outcome.deleted() > 0) {
            buildContext.refresh(outputDirectory);
        }
        getLog().info(String.format("NetSpec: %d classes from %d specs in %d ms (%s%d written, %d unchanged, %d deleted)",
                outcome.result().files().size(), outcome.specs(), outcome.millis(), outcome.upToDate() ? "up to date, " : "",
                outcome.written(), outcome.unchanged(), outcome.deleted()));
    }

    /** One diagnostic as {@code path:[line,col] error[NSnnn]: message}, the form IDEs and m2e parse. */
    private void report(Diagnostic d) {
        boolean error = d.isError();
        File file = specFile(d.pos().file());
        String where = file != null ? file.getPath() : d.pos().file(); // e.g. classpath:resnet.net
        String line = where + ":[" + d.pos().line() + "," + d.pos().column() + "] "
                + d.severity().label() + "[" + d.code().name() + "]: " + d.message();
        if (error) {
            getLog().error(line);
        } else {
            getLog().warn(line);
        }
        // The command line's DefaultBuildContext only logs the message again, in another form;
        // an IDE's context (m2e, full or incremental build) turns it into a marker on the spec.
        if (!(buildContext instanceof DefaultBuildContext)) {
            buildContext.addMessage(file != null ? file : sourceDirectory, Math.max(d.pos().line(), 0),
                    Math.max(d.pos().column(), 0), (file != null ? "" : where + ": ") + d.message(),
                    error ? BuildContext.SEVERITY_ERROR : BuildContext.SEVERITY_WARNING, null);
        }
    }

    /** Markers of the previous build go, for the folder and for each spec (IDEs differ on folders). */
    private void clearMarkers(List<Path> specs) {
        buildContext.removeMessages(sourceDirectory);
        for (Path spec : specs) {
            buildContext.removeMessages(spec.toFile());
        }
    }

    /** The spec file a diagnostic points at, or null when it is not a file (an import from a jar). */
    private File specFile(String display) {
        if (display.startsWith("classpath:") || display.startsWith("<")) {
            return null;
        }
        File file = new File(display);
        return file.isAbsolute() ? file : new File(project.getBasedir(), display);
    }

    /**
     * The project's compile class path, where imported specs of dependencies (the models jar)
     * live. The project's own output folder is left out: it holds copies of this project's specs
     * from the last build, and a deleted or renamed spec must not stay importable from there.
     */
    private URLClassLoader importClasspath() throws MojoExecutionException {
        File ownClasses = new File(project.getBuild().getOutputDirectory()).getAbsoluteFile();
        List<URL> urls = new ArrayList<>();
        try {
            for (String element : project.getCompileClasspathElements()) {
                File entry = new File(element).getAbsoluteFile();
                if (!entry.equals(ownClasses)) {
                    urls.add(entry.toURI().toURL());
                }
            }
        } catch (DependencyResolutionRequiredException | MalformedURLException e) {
            throw new MojoExecutionException("NetSpec: cannot read the compile class path", e);
        }
        return new URLClassLoader(urls.toArray(new URL[0]), getClass().getClassLoader());
    }
}
