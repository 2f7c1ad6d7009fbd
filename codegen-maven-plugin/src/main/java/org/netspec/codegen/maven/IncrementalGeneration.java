package org.netspec.codegen.maven;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
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
 * fingerprint and each output with the SHA-256 of its bytes is replaced only after a successful
 * run, so a hand-edited (or damaged) generated file is noticed and written again.
 */
public final class IncrementalGeneration {

    /** What to generate, from where, into where; {@code stateDir} holds the manifest. */
    public record Request(Path sourceDir, Path outputDir, Path stateDir, ClassLoader importClasspath,
                          String pluginVersion, String configuration) {}

    /** What happened; {@code result} carries the diagnostics, {@code specFiles} the specs found. */
    public record Outcome(GenerationResult result, List<Path> specFiles, int written, int unchanged, int deleted,
                          boolean upToDate, long millis) {
        public Outcome {
            specFiles = List.copyOf(specFiles);
        }

        public int specs() {
            return specFiles.size();
        }
    }

    private IncrementalGeneration() {}

    public static Outcome run(Request request) throws IOException {
        long start = System.nanoTime();
        List<Path> specs = specs(request.sourceDir());
        GenerationResult result = NetSpecGenerator.generate(specs, request.importClasspath());
        if (!result.ok()) {
            return new Outcome(result, specs, 0, 0, 0, false, elapsed(start));
        }
        String fingerprint = fingerprint(request, result.sources());
        Path manifest = request.stateDir().resolve("manifest.txt");
        List<String> previous = Files.isRegularFile(manifest) ? Files.readAllLines(manifest) : List.of();
        Map<String, String> produced = new java.util.LinkedHashMap<>(); // path -> SHA-256 of its bytes
        for (GeneratedFile f : result.files()) {
            produced.put(f.path(), sha256(bytes(f)));
        }
        List<String> entries = produced.entrySet().stream().map(e -> e.getKey() + "\t" + e.getValue()).toList();
        boolean upToDate = !previous.isEmpty() && previous.get(0).equals(fingerprint)
                && previous.subList(1, previous.size()).equals(entries)
                && produced.entrySet().stream().allMatch(e -> unchanged(request.outputDir().resolve(e.getKey()),
                e.getValue()));
        if (upToDate) {
            return new Outcome(result, specs, 0, produced.size(), 0, true, elapsed(start));
        }
        Set<String> paths = produced.keySet();
        int written = 0;
        int unchanged = 0;
        for (GeneratedFile f : result.files()) {
            Path target = request.outputDir().resolve(f.path());
            byte[] bytes = bytes(f);
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
                unchanged++;
                continue;
            }
            Files.createDirectories(target.getParent());
            Files.write(target, bytes);
            written++;
        }
        int deleted = 0;
        for (String line : previous.isEmpty() ? List.<String>of() : previous.subList(1, previous.size())) {
            String old = line.contains("\t") ? line.substring(0, line.indexOf('\t')) : line;
            Path orphan = request.outputDir().resolve(old).normalize();
            // Only ever below the output folder, whatever a damaged manifest says.
            if (!paths.contains(old) && orphan.startsWith(request.outputDir().normalize())
                    && Files.deleteIfExists(orphan)) {
                deleted++;
                removeEmptyFolders(orphan.getParent(), request.outputDir().normalize());
            }
        }
        Files.createDirectories(request.stateDir());
        StringBuilder lines = new StringBuilder(fingerprint).append('\n');
        for (String entry : entries) {
            lines.append(entry).append('\n');
        }
        // Written aside and moved in one step: a build killed half-way leaves the old manifest.
        Path temp = request.stateDir().resolve("manifest.txt.tmp");
        Files.writeString(temp, lines, StandardCharsets.UTF_8);
        Files.move(temp, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Outcome(result, specs, written, unchanged, deleted, false, elapsed(start));
    }

    /** UTF-8 and '\n' whatever the platform, so that the bytes are the same everywhere. */
    private static byte[] bytes(GeneratedFile f) {
        return f.content().replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code file} still holds exactly what was generated (its SHA-256 is {@code sha}). */
    private static boolean unchanged(Path file, String sha) {
        try {
            return Files.isRegularFile(file) && sha256(Files.readAllBytes(file)).equals(sha);
        } catch (IOException e) {
            return false; // unreadable: write it again
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A renamed package leaves no empty folder tree behind (javac and IDEs would show it). */
    private static void removeEmptyFolders(Path folder, Path root) throws IOException {
        for (Path f = folder; f != null && f.startsWith(root) && !f.equals(root); f = f.getParent()) {
            try (Stream<Path> entries = Files.list(f)) {
                if (entries.findAny().isPresent()) {
                    return;
                }
            }
            Files.delete(f);
        }
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
        // Length-prefixed, so that no two different inputs concatenate to the same bytes.
        sha.update(ByteBuffer.allocate(8).putLong(bytes.length).array());
        sha.update(bytes);
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
