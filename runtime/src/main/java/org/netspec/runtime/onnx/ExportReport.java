package org.netspec.runtime.onnx;

import java.nio.file.Path;

/** What an export wrote: the file, its node and initializer counts, and its size. */
public record ExportReport(Path file, int nodes, int initializers, long bytes, boolean batchNormFolded) {
    @Override
    public String toString() {
        return String.format("wrote %s: %,d nodes, %,d initializers, %,d bytes (opset %d%s)", file, nodes, initializers,
                bytes, OnnxWriter.OPSET, batchNormFolded ? ", batch norm folded into convs" : "");
    }
}
