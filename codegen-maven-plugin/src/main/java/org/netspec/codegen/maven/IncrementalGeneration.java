package org.netspec.codegen.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.netspec.codegen.GeneratedFile;
import org.netspec.codegen.GenerationResult;
import org.netspec.codegen.NetSpecGenerator;

/**
 * Generation with content-based staleness, free of Maven types so that it can be tested alone.
 * The inputs' fingerprint is a SHA-256 over every spec and every import it reads (by content),
 * the plugin version and the configuration. A file is written only when its bytes change; files
 * the previous run generated and this one did not are deleted; the manifest recording the
 * fingerprint and the outputs is replaced only after a successful run.
 */
public final class IncrementalGeneration {

    /** What to generate, from where, into where; {@code stateDir} holds the manifest. */
    public record Request(Path sourceDir, Path outputDir, Path stateDir, ClassLoader importClasspath,
                          String pluginVersion, String configuration) {}

    /** What happened; {@code result} carries the diagnostics. */
    public record Outcome(GenerationResult result, int specs, int written, int unchanged, int deleted, boolean upToDate,
                          long millis) {}

    private IncrementalGeneration() {}

    public static Outcome run(Request request) throws IOException {
        long start = System.nanoTime();
        List<Path> specs = specs(request.sourceDir());
        GenerationResult result = NetSpecGenerator.generate(specs, request.importClasspath());
        if (!result.ok()) {
            return new Outcome(result, specs.size(), 0, 0, 0, false, elapsed(start));
        }
        String fingerprint = fingerprint(request, result.sources());
        Path manifest = request.stateDir().resolve("manifest.txt");
        List<String> previous = Files.isRegularFile(manifest) ? Files.readAllLines(manifest) : List.of();
        Set<String> produced = new LinkedHashSet<>();
        for (GeneratedFile f : result.files()) {
            produced.add(f.path());
        }
        boolean upToDate = !previous.isEmpty() && previous.get(0).equals(fingerprint)
                && previous.subList(1, previous.size()).equals(new ArrayList<>(produced))
                && produced.stream().allMatch(p -> Files.isRegularFile(request.outputDir().resolve(p)));
        if (upToDate) {
            return new Outcome(result, specs.size(), 0, produced.size(), 0, true, elapsed(start));
        }
        int written = 0;
        int unchanged = 0;
        for (GeneratedFile f : result.files()) {
            Path target = request.outputDir().resolve(f.path());
            byte[] bytes = f.content().getBytes(StandardCharsets.UTF_8);
            if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
                unchanged++;
                continue;
            }
            Files.createDirectories(target.getParent());
            Files.write(target, bytes);
            written++;
        }
        int deleted = 0;
        for (String old : previous.isEmpty() ? List.<String>of() : previous.subList(1, previous.size())) {
            if (!produced.contains(old) && Files.deleteIfExists(request.outputDir().resolve(old))) {
                deleted++;
            }
        }
        Files.createDirectories(request.stateDir());
        List<String> lines = new ArrayList<>();
        lines.add(fingerprint);
        lines.addAll(produced);
        Path temp = request.stateDir().resolve("manifest.txt.tmp");
        Files.write(temp, lines);
        Files.move(temp, manifest, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return new Outcome(result, specs.size(), written, unchanged, deleted, false, elapsed(start));
    }

    static List<Path> specs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".net") && Files.isRegularFile(p)).sorted().toList();
        }
    }

    static String fingerprint(Request request, Map<String, String> sources) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            update(sha, "netspec " + request.pluginVersion());
            update(sha, request.configuration());
            for (Map.Entry<String, String> e : new TreeMap<>(sources).entrySet()) {
                update(sha, e.getKey());
                update(sha, e.getValue());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static void update(MessageDigest sha, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        sha.update(java.nio.ByteBuffer.allocate(8).putLong(bytes.length).array());
        sha.update(bytes);
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
