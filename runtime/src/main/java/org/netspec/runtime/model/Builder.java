package org.netspec.runtime.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a model's layers are built: gives each layer its full name (the checkpoint format),
 * registers its tensors with torchvision's initialisers, and checks shapes. Generated
 * constructors and the specs the command line compiles build through this class, so both run
 * the same layers.
 */
public final class Builder {
    private final Parameters parameters;
    private final String path;
    private final Map<String, Integer> counters = new HashMap<>();
    private final List<Layer> built;

    public Builder(Parameters parameters) {
        this(parameters, "", new ArrayList<>());
    }

    private Builder(Parameters parameters, String path, List<Layer> built) {
        this.parameters = parameters;
        this.path = path;
        this.built = built;
    }

    /** The builder for a block instance named {@code name} inside this one. */
    public Builder child(String name) {
        return new Builder(parameters, qualify(name), built);
    }

    public String path() {
        return path;
    }

    public Parameters parameters() {
        return parameters;
    }

    /** Every op layer built so far, in build order (for summaries). */
    public List<Layer> layers() {
        return java.util.Collections.unmodifiableList(built);
    }

    /** The next name for an unlabelled op of this kind: {@code conv_0}, {@code conv_1}, ... */
    public String auto(String op) {
        int k = counters.merge(op, 1, Integer::sum) - 1;
        return op + "_" + k;
    }

    /** The next name for an unlabelled use of a block: {@code BasicBlock_0}, ... (as Flax names modules). */
    public String autoBlock(String block) {
        return auto(block);
    }

    private String qualify(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private <L extends Layer> L add(L layer) {
        built.add(layer);
        return layer;
    }

    public Conv conv(String name, Shape in, int filters, Size kernel, Size stride, Padding padding, Size dilation,
                     int groups, boolean bias) {
        in.requireSpatial("conv " + qualify(name));
        if (filters <= 0 || groups <= 0 || in.channels() % groups != 0 || filters % groups != 0) {
            throw new IllegalArgumentException("conv " + qualify(name) + ": groups " + groups
                    + " must divide input channels " + in.channels() + " and filters " + filters);
        }
        Window w = Window.of("conv " + qualify(name), in, kernel, stride, padding, dilation);
        String full = qualify(name);
        int perGroup = in.channels() / groups;
        // torchvision: kaiming_normal_(mode="fan_out", nonlinearity="relu")
        long fanOut = (long) filters * kernel.height() * kernel.width();
        var weight = parameters.normal(full + ".weight",
                new long[] {filters, perGroup, kernel.height(), kernel.width()}, Math.sqrt(2.0 / fanOut));
        var biasTensor = bias ? parameters.uniform(full + ".bias", new long[] {filters},
                1 / Math.sqrt((double) perGroup * kernel.height() * kernel.width())) : null;
        return add(new Conv(full, in, Shape.of(filters, w.outH(), w.outW()), w, groups, weight, biasTensor,
                parameters));
    }

    /**
     * Declares that {@code conv}'s output feeds only {@code norm}: in evaluation without a tape the
     * norm is folded into the conv's weights and bias (computed once, recomputed when parameters
     * change) and the norm itself passes values through.
     */
    public void fold(Layer conv, Layer norm) {
        if (conv instanceof Conv c && norm instanceof BatchNorm n) {
            plan(new Fusion(c, n, false, false));
        }
    }

    /**
     * Declares that the norm folded into {@code conv} feeds only a relu: evaluation then applies
     * the relu inside the conv, training inside the norm (forward and backward), and the relu step
     * passes the rectified value through. Follows {@link #fold}; a conv with no norm folded in
     * keeps its plain relu.
     */
    public void fuseRelu(Layer conv) {
        if (conv instanceof Conv c && c.fusion() != null) {
            plan(c.fusion().withRelu());
        }
    }

    /**
     * Declares that the norm folded into {@code conv} is one side of the block's closing
     * {@code relu(y + shortcut)} ({@link Context#addReluLastUse}): evaluation then runs the conv
     * when that sum is taken, adding the other side and applying the relu inside it instead of in
     * a pass of its own. Follows {@link #fold}; a conv with no norm folded in, or whose relu is
     * fused, is left as it is.
     */
    public void fuseResidual(Layer conv) {
        if (conv instanceof Conv c && c.fusion() != null && !c.fusion().relu()) {
            plan(c.fusion().withResidual());
        }
    }

    /** Hands both layers the same plan, which replaces any earlier one. */
    private static void plan(Fusion fusion) {
        fusion.conv().plan(fusion);
        fusion.norm().plan(fusion);
    }

    /**
     * Batch norm over channels; {@code biasedVar}: the running variance averages the biased batch
     * variance (Flax) instead of the unbiased one (PyTorch).
     */
    public BatchNorm batchnorm(String name, Shape in, double momentum, double epsilon, Init scaleInit,
                               boolean biasedVar) {
        String full = qualify(name);
        long[] c = {in.channels()};
        var gamma = parameters.constant(full + ".weight", c, scaleInit == Init.ZEROS ? 0 : 1);
        var beta = parameters.constant(full + ".bias", c, 0);
        var mean = parameters.stateConstant(full + ".running_mean", c, 0);
        var var = parameters.stateConstant(full + ".running_var", c, 1);
        return add(new BatchNorm(full, in, momentum, epsilon, biasedVar, gamma, beta, mean, var));
    }

    /**
     * Group norm over channels in {@code groups} groups (PyTorch's nn.GroupNorm: weight ones, or
     * zeros with {@code scaleInit} ZEROS for a block's last norm; bias zeros).
     */
    public GroupNorm groupnorm(String name, Shape in, int groups, double epsilon, Init scaleInit) {
        String full = qualify(name);
        in.requireSpatial("groupnorm " + full);
        if (groups <= 0 || in.channels() % groups != 0) {
            throw new IllegalArgumentException("groupnorm " + full + ": groups " + groups
                    + " must divide the channels " + in.channels());
        }
        long[] c = {in.channels()};
        var gamma = parameters.constant(full + ".weight", c, scaleInit == Init.ZEROS ? 0 : 1);
        var beta = parameters.constant(full + ".bias", c, 0);
        return add(new GroupNorm(full, in, groups, epsilon, gamma, beta));
    }

    public Dense dense(String name, Shape in, int units, boolean bias) {
        String full = qualify(name);
        if (in.isSpatial()) {
            throw new IllegalArgumentException("dense " + full + " needs a flat input, got " + in);
        }
        double bound = 1 / Math.sqrt(in.channels()); // torchvision's nn.Linear default
        var weight = parameters.uniform(full + ".weight", new long[] {units, in.channels()}, bound);
        var biasTensor = bias ? parameters.uniform(full + ".bias", new long[] {units}, bound) : null;
        return add(new Dense(full, Shape.of(units), weight, biasTensor));
    }

    public Pool maxpool(String name, Shape in, Size kernel, Size stride, Padding padding) {
        return pool(name, in, kernel, stride, padding, true);
    }

    public Pool avgpool(String name, Shape in, Size kernel, Size stride, Padding padding) {
        return pool(name, in, kernel, stride, padding, false);
    }

    private Pool pool(String name, Shape in, Size kernel, Size stride, Padding padding, boolean max) {
        String full = qualify(name);
        in.requireSpatial((max ? "maxpool " : "avgpool ") + full);
        Window w = Window.of(full, in, kernel, stride, padding, Size.of(1));
        return add(new Pool(full, in, Shape.of(in.channels(), w.outH(), w.outW()), w, max));
    }

    public Mean mean(String name, Shape in, String axes, boolean keepdims) {
        String full = qualify(name);
        in.requireSpatial("mean " + full);
        return add(new Mean(full, keepdims ? Shape.of(in.channels(), 1, 1) : Shape.of(in.channels()), keepdims));
    }

    public Flatten flatten(String name, Shape in) {
        return add(new Flatten(qualify(name), Shape.of(Math.toIntExact(in.elements()))));
    }

    public Dropout dropout(String name, Shape in, double rate) {
        if (rate < 0 || rate >= 1) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        String full = qualify(name);
        return add(new Dropout(full, in, rate, full.hashCode()));
    }

    /** Stochastic depth: drops whole examples of a residual branch in training (timm's drop_path). */
    public DropPath dropPath(String name, Shape in, double rate) {
        if (rate < 0 || rate >= 1) {
            throw new IllegalArgumentException("drop_path rate must be in [0, 1), got " + rate);
        }
        String full = qualify(name);
        return add(new DropPath(full, in, rate, full.hashCode()));
    }

    /** Kernel, stride and explicit pads of a conv or pooling window, with its output size. */
    record Window(int kh, int kw, int sh, int sw, int[] pads, int dh, int dw, boolean same, int outH, int outW) {
        static Window of(String what, Shape in, Size k, Size s, Padding padding, Size d) {
            int[] pads = padding.resolve(in.height(), in.width(), k, s, d);
            int eh = d.height() * (k.height() - 1) + 1;
            int ew = d.width() * (k.width() - 1) + 1;
            int ph = in.height() + pads[0] + pads[1];
            int pw = in.width() + pads[2] + pads[3];
            if (eh > ph || ew > pw) {
                throw new IllegalArgumentException(what + ": kernel " + k + " is larger than its padded input "
                        + ph + "x" + pw);
            }
            return new Window(k.height(), k.width(), s.height(), s.width(), pads, d.height(), d.width(),
                    padding == Padding.SAME, (ph - eh) / s.height() + 1, (pw - ew) / s.width() + 1);
        }

        /** Kernel, strides and explicit pads (top, bottom, left, right), for exporters: a map the layer adds to. */
        Map<String, Object> attributes() {
            Map<String, Object> a = new HashMap<>();
            a.put("kernel", new int[] {kh, kw});
            a.put("strides", new int[] {sh, sw});
            a.put("pads", pads.clone());
            return a;
        }
    }
}
