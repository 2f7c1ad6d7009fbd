package org.netspec.cli;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.netspec.runtime.InputException;
import org.netspec.runtime.io.SafeTensors;

/**
 * What a checkpoint written by {@code netspec train} says about its data — the model's input
 * shape, the class names and the normalisation — so that predicting and scoring prepare images
 * as training did.
 */
public record TrainingData(int[] input, List<String> classes, float[] mean, float[] std) implements Serializable {

    /** Reads the checkpoint's metadata; a file without it is an {@link InputException} saying so. */
    public static TrainingData of(Path checkpoint, String command) throws IOException {
        Map<String, String> meta;
        try (SafeTensors in = SafeTensors.open(checkpoint)) {
            meta = in.metadata();
        }
        String network = meta.get("network");
        String names = meta.get("data.class_names");
        if (network == null || names == null || meta.get("data.mean") == null || meta.get("data.std") == null) {
            throw new InputException(checkpoint + " does not record the class names and normalisation of its"
                    + " training data; " + command + " needs a checkpoint written by `netspec train`");
        }
        String first = network.lines().findFirst().orElse("");
        int[] input = Arrays.stream(first.substring("input ".length()).split("x")).mapToInt(Integer::parseInt).toArray();
        if (input.length != 3 || input[1] != input[2]) {
            throw new InputException("the model takes " + first.substring("input ".length()) + "; " + command
                    + " takes square images only");
        }
        return new TrainingData(input, List.of(names.split("\n")), floats(meta.get("data.mean")),
                floats(meta.get("data.std")));
    }

    /** {@code [0.286, 0.353]} as written by {@link Arrays#toString(float[])}. */
    private static float[] floats(String text) {
        String[] parts = text.replace("[", "").replace("]", "").split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i].strip());
        }
        return out;
    }
}
