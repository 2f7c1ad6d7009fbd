package org.netspec.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The NetSpec version this runtime was built as (Maven's project version, filtered into a resource). */
public final class NetSpecVersion {
    public static final String VERSION = read();

    private NetSpecVersion() {}

    private static String read() {
        try (InputStream in = NetSpecVersion.class.getResourceAsStream("netspec.properties")) {
            if (in == null) {
                throw new IllegalStateException("netspec.properties is missing from the runtime jar");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
