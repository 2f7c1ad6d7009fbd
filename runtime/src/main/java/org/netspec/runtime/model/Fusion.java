package org.netspec.runtime.model;

/**
 * The plan {@link Builder#fold} and {@link Builder#fuseRelu} make for a conv whose output feeds
 * only a batch norm: evaluation without a tape folds {@code norm} into {@code conv}'s weights and
 * bias; with {@code relu} (the norm feeds only a relu) that relu runs inside the conv in
 * evaluation and inside the norm in training; with {@code residual} (the norm's output is one side
 * of a block's closing {@code relu(y + shortcut)}) evaluation runs the conv when that sum is taken,
 * with the sum and the relu inside it ({@link Context#addRelu}). Both layers read the same plan;
 * neither changes it.
 */
record Fusion(Conv conv, BatchNorm norm, boolean relu, boolean residual) {
    /** This plan with the norm's relu fused too. */
    Fusion withRelu() {
        return new Fusion(conv, norm, true, residual);
    }

    /** This plan with the norm's output feeding a block's closing {@code relu(y + shortcut)}. */
    Fusion withResidual() {
        return new Fusion(conv, norm, relu, true);
    }

    /**
     * Evaluation without gradients folds the norm in — unless the conv's own output was asked
     * for as a feature, which folding would replace by the norm's.
     */
    boolean folds(Context ctx) {
        return !ctx.training() && ctx.tape() == null && ctx.trace() == null && !ctx.wants(conv.path());
    }
}
