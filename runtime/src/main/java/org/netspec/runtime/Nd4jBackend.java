package org.netspec.runtime;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Facts about the ND4J native backend that is actually loaded.
 *
 * <p>The build pulls {@code nd4j-native} with the {@code linux-x86_64-onednn} classifier only; if a
 * dependency change ever brings the plain native jar back, convolutions silently get several times
 * slower. {@link #requireOneDnn()} turns that into a loud failure.
 */
public final class Nd4jBackend {

    /** The line libnd4j's build info contains when it was compiled with oneDNN (formerly MKL-DNN). */
    public static final String ONEDNN_FLAG = "HAVE_ONEDNN";

    private Nd4jBackend() {
    }

    /** libnd4j's multi-line build description (compiler, BLAS, helpers), loading the backend if needed. */
    public static String buildInfo() {
        // getExecutioner() forces backend discovery and native library loading before we ask the native side.
        Nd4j.getExecutioner();
        return NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
    }

    /** Whether the loaded libnd4j was built with oneDNN. */
    public static boolean hasOneDnn() {
        return buildInfo().lines().anyMatch(line -> line.strip().equals(ONEDNN_FLAG));
    }

    /** Fails if the loaded libnd4j lacks oneDNN, e.g. because the wrong native jar is on the classpath. */
    public static void requireOneDnn() {
        String info = buildInfo();
        if (info.lines().noneMatch(line -> line.strip().equals(ONEDNN_FLAG))) {
            throw new IllegalStateException("ND4J native backend was built without oneDNN (no " + ONEDNN_FLAG
                    + " in build info); is nd4j-native:linux-x86_64 on the classpath instead of "
                    + "linux-x86_64-onednn? Build info:\n" + info);
        }
    }
}
