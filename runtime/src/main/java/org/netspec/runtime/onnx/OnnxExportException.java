package org.netspec.runtime.onnx;

/** A model that cannot be exported as asked (an op without an ONNX form); the message names the layer and op. */
public final class OnnxExportException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public OnnxExportException(String message) {
        super(message);
    }
}
