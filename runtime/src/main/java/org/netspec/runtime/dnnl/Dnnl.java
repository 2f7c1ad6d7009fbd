package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_impl_info_str;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_scratchpad_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN called directly through JavaCPP, on ND4J's buffers: one CPU engine, one stream per
 * thread, and memory objects that wrap an {@link INDArray}'s storage without copying.
 *
 * <p>Why not only ND4J's conv op: libnd4j re-lays out the weights into oneDNN's blocked format on
 * every call and caches no primitive, which cost more than the convolution arithmetic. Here the
 * primitive and the re-laid-out weights are built once per layer and batch size.
 */
public final class Dnnl {
    private static final dnnl_engine ENGINE = createEngine();
    private static final ThreadLocal<dnnl_stream> STREAM = ThreadLocal.withInitial(() -> {
        dnnl_stream stream = new dnnl_stream();
        check(dnnl_stream_create(stream, ENGINE, dnnl_stream_default_flags), "stream");
        return stream;
    });

    private Dnnl() {}

    private static dnnl_engine createEngine() {
        dnnl_engine engine = new dnnl_engine();
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "engine");
        return engine;
    }

    static dnnl_engine engine() {
        return ENGINE;
    }

    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN: " + what + " failed with status " + status);
        }
    }

    /** A float32 memory description of {@code dims} in the layout {@code tag} (dnnl_nhwc, ...). */
    static dnnl_memory_desc_t desc(long[] dims, int tag) {
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(md, dims.length, dims, dnnl_f32, tag), "memory description " + tag);
        return md;
    }

    static long bytes(dnnl_memory_desc_t md) {
        return dnnl_memory_desc_get_size(md);
    }

    /**
     * A oneDNN memory over an array's storage. It holds the array until {@link #destroy}: an array
     * nothing else refers to (a dense copy, a scratchpad) could otherwise be collected and its
     * buffer freed while oneDNN still reads or writes it — a native crash, not an exception.
     */
    static final class Memory {
        final dnnl_memory handle;
        private final Object owner;

        private Memory(dnnl_memory handle, Object owner) {
            this.handle = handle;
            this.owner = owner;
        }
    }

    /** A memory object over {@code array}'s storage, which must be dense, row-major float32. */
    static Memory wrap(dnnl_memory_desc_t md, INDArray array) {
        if (array.dataType() != DataType.FLOAT || array.ordering() != 'c' || array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("oneDNN needs a dense row-major float32 array, got " + array.shapeInfoToString());
        }
        if (array.length() * Float.BYTES < bytes(md)) {
            throw new IllegalArgumentException("array of " + array.length() + " floats is smaller than " + bytes(md) + " bytes");
        }
        long address = array.data().addressPointer().address(); // a view's buffer starts at its first value
        dnnl_memory memory = new dnnl_memory();
        check(dnnl_memory_create(memory, md, ENGINE, new Address(address)), "memory");
        return new Memory(memory, array);
    }

    /** A raw address as JavaCPP's untyped pointer. */
    private static final class Address extends Pointer {
        Address(long address) {
            this.address = address;
        }
    }

    /** A float32 array of at least {@code bytes} bytes in the current workspace, for oneDNN's own use. */
    static INDArray buffer(long bytes) {
        return uninitialized(Math.max(1, (bytes + Float.BYTES - 1) / Float.BYTES));
    }

    /**
     * A row-major float32 array of {@code shape} (in the current workspace, if any) that starts on
     * a 64-byte boundary. oneDNN's kernels load and store whole 32- or 64-byte vectors; ND4J's
     * arrays start 16 bytes off such a boundary, so that half of those vectors would straddle two
     * cache lines.
     */
    public static INDArray uninitialized(long... shape) {
        long n = org.nd4j.linalg.api.shape.Shape.lengthOf(shape);
        INDArray base = Nd4j.createUninitialized(DataType.FLOAT, n + ALIGNMENT / Float.BYTES);
        long address = base.data().addressPointer().address();
        long skip = (ALIGNMENT - address % ALIGNMENT) % ALIGNMENT / Float.BYTES;
        return Nd4j.create(base.data(), shape, Nd4j.getStrides(shape, 'c'), skip, 'c', DataType.FLOAT);
    }

    private static final long ALIGNMENT = 64;

    /**
     * A memory for {@code pd}'s scratchpad, or null when it needs none. The scratchpad mode is
     * user-managed, so that concurrent calls of one primitive never share one; each thread has one
     * buffer, grown to the largest scratchpad it has run (a primitive runs to completion before the
     * thread runs the next), instead of an array per call: fewer native objects for the garbage
     * collector to find and free between passes.
     */
    static Memory scratchpad(dnnl_primitive_desc pd) {
        dnnl_memory_desc_t md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
        long size = bytes(md);
        if (size == 0) {
            return null;
        }
        Scratch scratch = SCRATCH.get();
        if (scratch.bytes < size) {
            scratch.grow(size);
        }
        dnnl_memory memory = new dnnl_memory();
        check(dnnl_memory_create(memory, md, ENGINE, new Address(scratch.aligned)), "memory");
        return new Memory(memory, scratch);
    }

    /** A thread's scratchpad: native memory that starts on a 64-byte boundary. */
    private static final class Scratch {
        private BytePointer storage;
        private long aligned;
        private long bytes;

        void grow(long size) {
            if (storage != null) {
                storage.close();
            }
            storage = new BytePointer(size + ALIGNMENT);
            aligned = (storage.address() + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
            bytes = size;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Releases the memory objects, after which their arrays may go. */
    static void destroy(Memory... memories) {
        for (Memory m : memories) {
            if (m != null) {
                dnnl_memory_destroy(m.handle);
                java.lang.ref.Reference.reachabilityFence(m.owner);
            }
        }
    }

    /** The implementation oneDNN picked ("jit:avx2", "ref:any", ...). */
    static String implementation(dnnl_primitive_desc pd) {
        try (PointerPointer<BytePointer> out = new PointerPointer<>(1)) {
            check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, out), "implementation");
            return out.get(BytePointer.class, 0).getString();
        }
    }

    /** Whether {@code pd} runs oneDNN's slow reference loops (no optimised kernel for its layouts). */
    static boolean reference(dnnl_primitive_desc pd) {
        return implementation(pd).startsWith("ref");
    }

    static dnnl_primitive primitive(dnnl_primitive_desc pd, String what) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), what);
        return p;
    }

    /** Runs {@code primitive} on this thread's stream with (argument kind, memory) pairs, and waits. */
    static void execute(dnnl_primitive primitive, int[] kinds, Memory[] memories, String what) {
        int n = 0;
        for (Memory m : memories) {
            n += m == null ? 0 : 1;
        }
        if (n > ARGUMENTS) {
            throw new IllegalArgumentException(what + ": " + n + " arguments, room for " + ARGUMENTS);
        }
        dnnl_exec_arg_t args = ARGS.get();
        int i = 0;
        for (int k = 0; k < kinds.length; k++) {
            if (memories[k] != null) {
                args.getPointer(i++).arg(kinds[k]).memory(memories[k].handle);
            }
        }
        dnnl_stream stream = STREAM.get();
        check(dnnl_primitive_execute(primitive, stream, n, args), what);
        check(dnnl_stream_wait(stream), what);
    }

    /** Each thread's argument list for {@link #execute}, room for more arguments than any primitive here takes. */
    private static final int ARGUMENTS = 16;

    private static final ThreadLocal<dnnl_exec_arg_t> ARGS = ThreadLocal.withInitial(() -> new dnnl_exec_arg_t(ARGUMENTS));

    /**
     * Copies {@code from} (described by {@code fromMd}) into a new array in layout {@code toMd}:
     * outside any workspace when it is to be {@code kept} across passes, else in the current
     * pass's workspace (a training step's weights, stale after the update).
     */
    static INDArray reorder(INDArray from, dnnl_memory_desc_t fromMd, dnnl_memory_desc_t toMd, boolean kept) {
        INDArray to;
        if (kept) {
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                to = buffer(bytes(toMd));
            }
        } else {
            to = buffer(bytes(toMd));
        }
        reorderInto(from, fromMd, to, toMd);
        return to;
    }

    /**
     * Reorder primitives by the two layouts they convert between (the bytes of both
     * descriptions): a training step re-lays out every conv's weights and weight gradient, and
     * creating a reorder (oneDNN generates its code then) costs more than running one. Their
     * scratchpad is the calling thread's ({@link #scratchpad}): a weight reorder may need one,
     * and threads share these primitives (with oneDNN's own scratchpad, concurrent weight
     * reorders of one primitive corrupted each other: seen in Spark's multi-threaded scoring).
     */
    private static final java.util.Map<java.util.List<java.nio.ByteBuffer>, Reorder> REORDERS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record Reorder(dnnl_primitive_desc pd, dnnl_primitive primitive) {}

    /** Copies {@code from} into {@code to}, converting between the two layouts. */
    static void reorderInto(INDArray from, dnnl_memory_desc_t fromMd, INDArray to, dnnl_memory_desc_t toMd) {
        Reorder reorder = REORDERS.computeIfAbsent(java.util.List.of(contents(fromMd), contents(toMd)),
                k -> reorder(fromMd, toMd));
        Memory src = wrap(fromMd, from);
        Memory dst = wrap(toMd, to);
        Memory scratch = scratchpad(reorder.pd);
        try {
            execute(reorder.primitive, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD},
                    new Memory[] {src, dst, scratch}, "reorder");
        } finally {
            destroy(src, dst, scratch);
        }
    }

    /** The bytes of a memory description, as a key. */
    private static java.nio.ByteBuffer contents(dnnl_memory_desc_t md) {
        byte[] bytes = new byte[(int) md.sizeof()];
        new BytePointer(md).get(bytes);
        return java.nio.ByteBuffer.wrap(bytes);
    }

    private static Reorder reorder(dnnl_memory_desc_t fromMd, dnnl_memory_desc_t toMd) {
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(attr), "attributes");
        try {
            check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_reorder_primitive_desc_create(pd, fromMd, ENGINE, toMd, ENGINE, attr), "reorder description");
            return new Reorder(pd, primitive(pd, "reorder"));
        } finally {
            dnnl_primitive_attr_destroy(attr);
        }
    }
}
