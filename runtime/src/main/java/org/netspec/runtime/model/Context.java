package org.netspec.runtime.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One forward pass: training or evaluation, and which named values to keep for feature
 * extraction. A context belongs to one thread and one call.
 */
public final class Context {
    private final Mode mode;
    private final Set<String> wanted;
    private final Map<String, INDArray> kept = new LinkedHashMap<>();

    public Context(Mode mode) {
        this(mode, Set.of());
    }

    public Context(Mode mode, Set<String> wanted) {
        this.mode = mode;
        this.wanted = Set.copyOf(wanted);
    }

    public Mode mode() {
        return mode;
    }

    public boolean training() {
        return mode == Mode.TRAIN;
    }

    /** Keeps {@code value} under {@code path} when it was asked for; returns it either way. */
    public INDArray record(String path, INDArray value) {
        if (!wanted.isEmpty() && wanted.contains(path)) {
            kept.put(path, value);
        }
        return value;
    }

    public Map<String, INDArray> kept() {
        return kept;
    }
}
