package org.netspec.runtime.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.io.SafeTensors;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.trace.TracedOp;

/**
 * A training run's checkpoint: weights, statistics and optimizer state, with what it was made
 * by — the network (every op, its settings and shapes, not a class name), the training settings,
 * the data sets (name, size, a digest of the labels) — a digest of its own tensors, and the
 * metrics rows so far (so that {@code metrics.csv} can always be rewritten from it). A resume
 * refuses any difference, naming each.
 */
final class TrainingCheckpoint {
    static final String FORMAT = "netspec-training";
    static final String OPTIMIZER_PREFIX = "optimizer/";

    private TrainingCheckpoint() {}

    /** What a checkpoint must agree with to be resumed. */
    record Identity(Map<String, String> fields) {
        static Identity of(Model model, Trainer.Config config, Dataset train, Dataset test, List<String> classNames) {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("model", model.name());
            f.put("network", network(model));
            var c = config;
            f.put("config.epochs", String.valueOf(c.epochs()));
            f.put("config.batch", String.valueOf(c.batch()));
            f.put("config.learning_rate", String.valueOf(c.learningRate()));
            f.put("config.optimizer", c.optimizer());
            f.put("config.momentum", String.valueOf(c.momentum()));
            f.put("config.nesterov", String.valueOf(c.nesterov()));
            f.put("config.weight_decay", String.valueOf(c.weightDecay()));
            f.put("config.label_smoothing", String.valueOf(c.labelSmoothing()));
            f.put("config.warmup_epochs", String.valueOf(c.warmupEpochs()));
            f.put("config.augment", c.augment().toString());
            f.put("config.seed", String.valueOf(c.seed()));
            if (c.accumulation() > 1) { // recorded only then, so that older checkpoints still resume
                f.put("config.accumulation", String.valueOf(c.accumulation()));
            }
            f.put("data.train", describe(train));
            f.put("data.test", describe(test));
            // what `netspec predict` needs to show names and to normalise images as training did
            f.put("data.class_names", String.join("\n", classNames));
            f.put("data.mean", Arrays.toString(train.mean()));
            f.put("data.std", Arrays.toString(train.std()));
            return new Identity(f);
        }
    }

    /** Every op of one traced pass with its settings and output shape: the network, whatever it is called. */
    static String network(Model model) {
        StringBuilder s = new StringBuilder("input ").append(model.inputShape()).append('\n');
        for (TracedOp op : model.trace().ops()) {
            s.append(op.layer()).append(' ').append(op.op()).append(' ').append(Arrays.toString(op.output().shape()));
            new TreeMap<>(op.attributes()).forEach((k, v) -> s.append(' ').append(k).append('=')
                    .append(v instanceof int[] a ? Arrays.toString(a) : String.valueOf(v)));
            s.append('\n');
        }
        return s.toString();
    }

    private static String describe(Dataset d) {
        ByteBuffer labels = ByteBuffer.allocate(4 * d.labels().length).order(ByteOrder.LITTLE_ENDIAN);
        labels.asIntBuffer().put(d.labels());
        return d.name() + ", " + d.size() + " examples of " + d.channels() + "x" + d.height() + "x" + d.width() + ", "
                + d.classes() + " classes, labels sha256 " + HexFormat.of().formatHex(sha256().digest(labels.array()));
    }

    static void save(Path file, Model model, Optimizer optimizer, Identity identity, int epochsDone, String metrics,
                     String intervals) throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>(model.parameters().all());
        optimizer.state().forEach((k, v) -> tensors.put(OPTIMIZER_PREFIX + k, v));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.putAll(identity.fields());
        metadata.put("epochs_done", String.valueOf(epochsDone));
        metadata.put("metrics", metrics);
        metadata.put("intervals", intervals);
        metadata.put("tensors_sha256", digest(tensors));
        SafeTensors.write(file, tensors, metadata);
    }

    /** A checked checkpoint: the epochs it completed, the metrics rows and the training-loss intervals it carries. */
    record Restored(int epochsDone, String metrics, String intervals) {}

    static Restored restore(Path file, Model model, Optimizer optimizer, Identity identity) throws IOException {
        try (SafeTensors in = SafeTensors.open(file)) {
            Map<String, String> meta = in.metadata();
            List<String> problems = new ArrayList<>();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new IOException(file + " is not a NetSpec training checkpoint (format " + meta.get("format") + ")");
            }
            identity.fields().forEach((key, want) -> {
                String have = meta.get(key);
                if (!want.equals(have)) {
                    problems.add(key + ": " + difference(have, want));
                }
            });
            int epochs;
            try {
                epochs = Integer.parseInt(meta.getOrDefault("epochs_done", ""));
            } catch (NumberFormatException e) {
                epochs = -1;
            }
            if (epochs < 1 || epochs > Integer.parseInt(identity.fields().get("config.epochs"))) {
                problems.add("epochs_done: '" + meta.get("epochs_done") + "' is not a number of epochs done");
            }
            Map<String, INDArray> targets = model.parameters().all();
            Map<String, INDArray> values = new LinkedHashMap<>();
            Map<String, INDArray> optimizerState = new LinkedHashMap<>();
            for (String name : in.names()) {
                INDArray value = in.readArray(name);
                if (name.startsWith(OPTIMIZER_PREFIX)) {
                    optimizerState.put(name.substring(OPTIMIZER_PREFIX.length()), value);
                } else if (!targets.containsKey(name)) {
                    problems.add("unexpected tensor " + name);
                } else if (!Arrays.equals(value.shape(), targets.get(name).shape())) {
                    problems.add(name + ": shape " + Arrays.toString(value.shape()) + ", the model's "
                            + Arrays.toString(targets.get(name).shape()));
                } else {
                    values.put(name, value);
                }
            }
            targets.keySet().stream().filter(n -> !in.contains(n)).forEach(n -> problems.add("missing tensor " + n));
            Map<String, INDArray> all = new LinkedHashMap<>(values);
            optimizerState.forEach((k, v) -> all.put(OPTIMIZER_PREFIX + k, v));
            if (problems.isEmpty() && !digest(all).equals(meta.get("tensors_sha256"))) {
                problems.add("its tensors do not match their recorded digest: the file was changed or damaged");
            }
            if (!problems.isEmpty()) {
                throw new IOException("cannot resume from " + file + " (" + problems.size() + " differences):\n  "
                        + String.join("\n  ", problems));
            }
            values.forEach((name, v) -> targets.get(name).assign(v));
            try {
                optimizer.restore(optimizerState);
            } catch (IllegalArgumentException e) {
                throw new IOException("cannot resume from " + file + ": " + e.getMessage(), e);
            }
            model.parameters().touch();
            return new Restored(epochs, meta.getOrDefault("metrics", ""), meta.getOrDefault("intervals", ""));
        }
    }

    private static String difference(String have, String want) {
        if (have == null) {
            return "not recorded in the checkpoint";
        }
        if (have.contains("\n") || want.contains("\n")) { // the network: name the first differing op
            String[] a = have.split("\n");
            String[] b = want.split("\n");
            for (int i = 0; i < Math.max(a.length, b.length); i++) {
                String x = i < a.length ? a[i] : "(none)";
                String y = i < b.length ? b[i] : "(none)";
                if (!x.equals(y)) {
                    return "another network; first difference, checkpoint '" + x + "', this model '" + y + "'";
                }
            }
        }
        return "checkpoint '" + have + "', this run '" + want + "'";
    }

    /** SHA-256 over every tensor in name order: name, type, shape and values. */
    static String digest(Map<String, INDArray> tensors) {
        MessageDigest md = sha256();
        new TreeMap<>(tensors).forEach((name, t) -> {
            md.update(name.getBytes(StandardCharsets.UTF_8));
            md.update(t.dataType().toString().getBytes(StandardCharsets.UTF_8));
            md.update(Arrays.toString(t.shape()).getBytes(StandardCharsets.UTF_8));
            INDArray c = t.dup('c');
            ByteBuffer b;
            if (t.dataType() == DataType.DOUBLE) {
                double[] v = c.data().asDouble();
                b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asDoubleBuffer().put(v);
            } else {
                float[] v = c.castTo(DataType.FLOAT).data().asFloat();
                b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
            }
            md.update(b.array());
        });
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
