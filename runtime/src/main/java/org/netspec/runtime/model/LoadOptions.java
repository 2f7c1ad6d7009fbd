package org.netspec.runtime.model;

import java.util.function.UnaryOperator;

/**
 * How to read a checkpoint into a model.
 *
 * @param naming        maps a checkpoint name to the model's name (identity for torchvision, timm
 *                      and NetSpec ResNet checkpoints, whose names agree)
 * @param newHead       tensors whose shape differs only because the class count differs are left
 *                      freshly initialised instead of failing — name their layer here ({@code fc})
 * @param adaptChannels a conv weight with 3 input channels loads into a 1-channel model summed over
 *                      the input channels (as timm adapts a stem), and the other way round by repeating
 * @param flax          the checkpoint is Flax's: a {@code to_bytes} msgpack file or a safetensors file
 *                      with dotted Flax paths ({@code params.ResNetBlock_0.Conv_0.kernel}), in Flax's
 *                      layouts (HWIO conv kernels, [in, out] dense kernels), converted on load
 */
public record LoadOptions(UnaryOperator<String> naming, String newHead, boolean adaptChannels,
                          java.util.function.Predicate<String> ignored, boolean flax) {
    /**
     * Every tensor must fit exactly; a training checkpoint's optimizer state ({@code optimizer/...})
     * is skipped and listed in {@link LoadReport#ignored()}, so inference can read what training wrote.
     */
    public static LoadOptions strict() {
        return new LoadOptions(UnaryOperator.identity(), null, false, name -> name.startsWith("optimizer/"), false);
    }

    /** Strict loading of a Flax checkpoint (msgpack or safetensors with Flax's paths). */
    public static LoadOptions flaxCheckpoint() {
        return strict().withFlax(true);
    }

    public LoadOptions withNewHead(String layer) {
        return new LoadOptions(naming, layer, adaptChannels, ignored, flax);
    }

    public LoadOptions withAdaptedChannels() {
        return new LoadOptions(naming, newHead, true, ignored, flax);
    }

    /** Checkpoint tensors to skip (a training checkpoint's {@code optimizer/} state). */
    public LoadOptions withIgnored(java.util.function.Predicate<String> skip) {
        return new LoadOptions(naming, newHead, adaptChannels, skip, flax);
    }

    public LoadOptions withFlax(boolean flaxCheckpoint) {
        return new LoadOptions(naming, newHead, adaptChannels, ignored, flaxCheckpoint);
    }
}
