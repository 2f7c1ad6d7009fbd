package org.netspec.runtime.io;

import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The byte-aligned element types of the safetensors format, with their byte size and the matching
 * ND4J type. The 8-bit float types have no ND4J counterpart; their raw bytes can still be read.
 */
public enum SafeTensorsDtype {
    BOOL(1, DataType.BOOL),
    U8(1, DataType.UINT8),
    I8(1, DataType.INT8),
    F8_E5M2(1, null),
    F8_E4M3(1, null),
    I16(2, DataType.INT16),
    U16(2, DataType.UINT16),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.BFLOAT16),
    I32(4, DataType.INT32),
    U32(4, DataType.UINT32),
    F32(4, DataType.FLOAT),
    I64(8, DataType.INT64),
    U64(8, DataType.UINT64),
    F64(8, DataType.DOUBLE);

    private final int byteSize;
    private final DataType nd4jType;

    SafeTensorsDtype(int byteSize, DataType nd4jType) {
        this.byteSize = byteSize;
        this.nd4jType = nd4jType;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The ND4J data type holding this dtype bit for bit, if ND4J has one. */
    public Optional<DataType> nd4jType() {
        return Optional.ofNullable(nd4jType);
    }

    /** The dtype spelled exactly as in a safetensors header (case-sensitive, as the format is). */
    public static Optional<SafeTensorsDtype> fromHeaderName(String name) {
        for (SafeTensorsDtype t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The safetensors dtype for an ND4J type; empty for UTF8, COMPRESSED and UNKNOWN. */
    public static Optional<SafeTensorsDtype> fromNd4j(DataType type) {
        // ND4J's INT64, FLOAT16, ... are the same constants as its deprecated LONG, HALF, ..., so one
        // identity comparison covers both spellings.
        for (SafeTensorsDtype t : values()) {
            if (t.nd4jType != null && t.nd4jType == type) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
