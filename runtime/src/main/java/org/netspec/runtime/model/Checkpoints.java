package org.netspec.runtime.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.io.SafeTensors;
import org.netspec.runtime.io.FlaxLayout;
import org.netspec.runtime.io.FlaxMsgpack;
import org.netspec.runtime.io.TensorSource;

/** Reading and writing a model's tensors as safetensors checkpoints. */
final class Checkpoints {
    private Checkpoints() {}

    static LoadReport load(Parameters parameters, Path file, LoadOptions options) throws IOException {
        Map<String, INDArray> targets = parameters.all();
        try (TensorSource in = open(file, options)) {
            Map<String, String> byTarget = new LinkedHashMap<>();
            List<String> ignored = new ArrayList<>();
            List<String> unexpected = new ArrayList<>();
            for (String name : in.names()) {
                if (name.endsWith("num_batches_tracked") || options.ignored().test(name)) {
                    ignored.add(name); // PyTorch's BN step counter; NetSpec does not keep it
                    continue;
                }
                String target = options.naming().apply(name);
                if (targets.containsKey(target)) {
                    byTarget.put(target, name);
                } else {
                    unexpected.add(name);
                }
            }
            List<String> problems = new ArrayList<>();
            List<String> keep = new ArrayList<>();
            List<String> adapted = new ArrayList<>();
            Map<String, String> plan = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> t : targets.entrySet()) {
                String source = byTarget.get(t.getKey());
                if (source == null) {
                    problems.add("missing " + t.getKey() + " " + Arrays.toString(t.getValue().shape()));
                    continue;
                }
                long[] have = in.shape(source);
                long[] want = t.getValue().shape();
                if (Arrays.equals(have, want)) {
                    plan.put(t.getKey(), source);
                } else if (options.newHead() != null && t.getKey().startsWith(options.newHead() + ".")) {
                    keep.add(t.getKey());
                } else if (options.adaptChannels() && want.length == 4 && have.length == 4
                        && want[0] == have[0] && want[2] == have[2] && want[3] == have[3]) {
                    adapted.add(t.getKey());
                    plan.put(t.getKey(), source);
                } else {
                    problems.add("mis-shaped " + t.getKey() + ": checkpoint " + Arrays.toString(have)
                            + ", model " + Arrays.toString(want));
                }
            }
            for (String u : unexpected) {
                problems.add("unexpected " + u + " " + Arrays.toString(in.shape(u)));
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(file + " does not fit the model (" + problems.size() + " problems):\n  "
                        + String.join("\n  ", problems));
            }
            // Everything is read and checked before anything is assigned: a refused file changes nothing.
            Map<String, INDArray> values = new LinkedHashMap<>();
            for (Map.Entry<String, String> p : plan.entrySet()) {
                INDArray target = targets.get(p.getKey());
                INDArray value = in.read(p.getValue()).castTo(target.dataType());
                if (adapted.contains(p.getKey())) {
                    value = adaptInputChannels(value, target.size(1));
                }
                String bad = Tensors.nonFinite(value);
                if (bad != null) {
                    problems.add("non-finite " + p.getValue() + ": " + bad);
                }
                values.put(p.getKey(), value);
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(file + " holds values no model can use (" + problems.size()
                        + " tensors):\n  " + String.join("\n  ", problems));
            }
            values.forEach((name, value) -> targets.get(name).assign(value.reshape(targets.get(name).shape())));
            parameters.touch();
            return new LoadReport(plan.size(), keep, adapted, ignored);
        }
    }

    /** timm's adapt_input_conv: RGB to grey sums the filters; otherwise repeat and rescale. */
    private static INDArray adaptInputChannels(INDArray weight, long channels) {
        if (channels == 1) {
            return weight.sum(true, 1);
        }
        long from = weight.size(1);
        INDArray out = org.nd4j.linalg.factory.Nd4j.create(weight.dataType(), weight.size(0), channels, weight.size(2),
                weight.size(3));
        for (long c = 0; c < channels; c++) {
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                    .assign(weight.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                            org.nd4j.linalg.indexing.NDArrayIndex.point(c % from)));
        }
        return out.muli((double) from / channels);
    }

    /** The file's tensors under NetSpec's names: Flax checkpoints (msgpack or safetensors) converted. */
    private static TensorSource open(Path file, LoadOptions options) throws IOException {
        if (!options.flax()) {
            return SafeTensors.open(file);
        }
        return FlaxLayout.toNetSpec(FlaxMsgpack.looksLikeMsgpack(file) ? FlaxMsgpack.read(file) : SafeTensors.open(file));
    }

    /** Flax's form: a {@code to_bytes} msgpack file, or safetensors with Flax paths when the name ends so. */
    static void saveFlax(Parameters parameters, Path file, String model) throws IOException {
        Map<String, INDArray> flax = FlaxLayout.toFlax(parameters.all(), parameters.state().keySet());
        if (file.getFileName().toString().endsWith(".safetensors")) {
            SafeTensors.write(file, flax, Map.of("format", "flax", "model", model));
        } else {
            FlaxMsgpack.write(file, flax);
        }
    }

    static void save(Parameters parameters, Path file, String model) throws IOException {
        SafeTensors.write(file, parameters.all(), Map.of("format", "netspec", "model", model));
    }
}
