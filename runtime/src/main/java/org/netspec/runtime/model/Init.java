package org.netspec.runtime.model;

/** Initial value of a batch norm's scale: ones, or zeros for a block's last norm. */
public enum Init {
    ONES,
    ZEROS
}
