package org.netspec.runtime.model;

/** Training (batch statistics, dropout) or evaluation (running statistics, folded batch norm). */
public enum Mode {
    TRAIN,
    EVAL
}
