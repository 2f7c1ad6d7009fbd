package org.netspec.runtime.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A checkpoint's tensors by name, whatever the file format (safetensors, Flax msgpack) or naming. */
public interface TensorSource extends Closeable {
    /** The file the tensors come from, for messages. */
    Path file();

    Set<String> names();

    /** The shape of tensor {@code name}, known without reading its data. */
    long[] shape(String name) throws IOException;

    /** Tensor {@code name}, validated and decoded. */
    INDArray read(String name) throws IOException;
}
