package org.netspec.codegen.maven;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.netspec.codegen.NetSpecGenerator;
import org.netspec.dsl.Frontend;

/**
 * A digest of the generator's own code (the front end's and the emitter's jars, or class folders
 * in a reactor build), so that a changed generator regenerates even when neither the specs nor
 * the plugin's version string changed, as happens between two builds of one SNAPSHOT.
 */
final class GeneratorFingerprint {
    private GeneratorFingerprint() {}

    static String of() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Class<?> c : List.of(Frontend.class, NetSpecGenerator.class)) {
                Path location = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (Files.isDirectory(location)) {
                    try (Stream<Path> files = Files.walk(location)) {
                        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                            sha.update(location.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                            sha.update(Files.readAllBytes(f));
                        }
                    }
                } else {
                    sha.update(Files.readAllBytes(location));
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the generator's own code", e);
        } catch (URISyntaxException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
