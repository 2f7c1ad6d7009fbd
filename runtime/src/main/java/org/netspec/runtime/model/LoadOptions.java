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
 */
public record LoadOptions(UnaryOperator<String> naming, String newHead, boolean adaptChannels,
                          java.util.function.Predicate<String> ignored) {
    public static LoadOptions strict() {
        return new LoadOptions(UnaryOperator.identity(), null, false, name -> false);
    }

    public LoadOptions withNewHead(String layer) {
        return new LoadOptions(naming, layer, adaptChannels, ignored);
    }

    public LoadOptions withAdaptedChannels() {
        return new LoadOptions(naming, newHead, true, ignored);
    }

    /** Checkpoint tensors to skip (a training checkpoint's {@code optimizer/} state). */
    public LoadOptions withIgnored(java.util.function.Predicate<String> skip) {
        return new LoadOptions(naming, newHead, adaptChannels, skip);
    }
}
