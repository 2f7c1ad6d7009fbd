package org.netspec.runtime.dnnl;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.dnnl_a;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Element-wise float32 passes through oneDNN: {@code relu(a)}, {@code relu(a + b)} and relu's
 * gradient in one pass each. Both operands share one layout, so the arrays are treated as flat vectors; primitives
 * are cached by length.
 */
public final class Elementwise {
    private static final Map<Long, dnnl_primitive> ADD_RELU = new ConcurrentHashMap<>();
    private static final Map<Long, dnnl_primitive> RELU = new ConcurrentHashMap<>();
    private static final Map<Long, dnnl_primitive> RELU_BACKWARD = new ConcurrentHashMap<>();

    private Elementwise() {}

    /** Whether these arrays can take the oneDNN path (float32, same shape). */
    public static boolean supports(INDArray a, INDArray b) {
        return a.dataType() == DataType.FLOAT && (b == null || b.dataType() == DataType.FLOAT && a.equalShapes(b));
    }

    /** {@code max(a + b, 0)} into a new array of a's shape. */
    public static INDArray addRelu(INDArray a, INDArray b) {
        return run(ADD_RELU.computeIfAbsent(a.length(), Elementwise::addReluPrimitive), "add+relu",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_SRC_1, DNNL_ARG_DST}, a, b);
    }

    /** {@code max(a + b, 0)} into {@code out} (which may be {@code a}: oneDNN adds in place). */
    public static INDArray addReluInto(INDArray a, INDArray b, INDArray out) {
        return runInto(ADD_RELU.computeIfAbsent(a.length(), Elementwise::addReluPrimitive), "add+relu",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_SRC_1, DNNL_ARG_DST}, out, a, b);
    }

    /** {@code max(a, 0)} into a new array of a's shape. */
    public static INDArray relu(INDArray a) {
        return run(RELU.computeIfAbsent(a.length(), Elementwise::reluPrimitive), "relu",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, a);
    }

    /**
     * The gradient of a relu's input from its output {@code y} and the output's gradient {@code g},
     * written into {@code out} (dense float32 of their length).
     */
    public static INDArray reluBackward(INDArray y, INDArray g, INDArray out) {
        return runInto(RELU_BACKWARD.computeIfAbsent(y.length(), Elementwise::reluBackwardPrimitive), "relu backward",
                new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, out, y, g);
    }

    /**
     * Runs {@code p} on same-length flat {@code inputs} into a new array of the first one's shape;
     * {@code kinds} names the inputs' arguments, then the output's.
     */
    private static INDArray run(dnnl_primitive p, String what, int[] kinds, INDArray... inputs) {
        return runInto(p, what, kinds, Dnnl.uninitialized(inputs[0].shape()), inputs);
    }

    private static INDArray runInto(dnnl_primitive p, String what, int[] kinds, INDArray out, INDArray... inputs) {
        dnnl_memory_desc_t md = flat(out.length());
        Dnnl.Memory[] memories = new Dnnl.Memory[kinds.length];
        try {
            for (int k = 0; k < inputs.length; k++) {
                memories[k] = Dnnl.wrap(md, ConvForward.dense(inputs[k]));
            }
            memories[inputs.length] = Dnnl.wrap(md, out);
            Dnnl.execute(p, kinds, memories, what);
        } finally {
            Dnnl.destroy(memories);
        }
        return out;
    }

    /** The 1-d description of n floats, one per length: every call asks for it. */
    private static dnnl_memory_desc_t flat(long n) {
        return FLAT.computeIfAbsent(n, k -> Dnnl.desc(new long[] {k}, dnnl_a));
    }

    private static final Map<Long, dnnl_memory_desc_t> FLAT = new ConcurrentHashMap<>();

    private static dnnl_primitive addReluPrimitive(long n) {
        dnnl_memory_desc_t md = flat(n);
        dnnl_binary_desc_t desc = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(desc, dnnl_binary_add, md, md, md), "add description");
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        Dnnl.check(dnnl_primitive_attr_create(attr), "attributes");
        dnnl_post_ops ops = new dnnl_post_ops();
        Dnnl.check(dnnl_post_ops_create(ops), "post-ops");
        try {
            Dnnl.check(dnnl_post_ops_append_eltwise(ops, 1f, dnnl_eltwise_relu, 0f, 0f), "relu post-op");
            Dnnl.check(dnnl_primitive_attr_set_post_ops(attr, ops), "post-ops");
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            Dnnl.check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(desc), attr, Dnnl.engine(), null), "add+relu");
            return Dnnl.primitive(pd, "add+relu");
        } finally {
            dnnl_post_ops_destroy(ops);
            dnnl_primitive_attr_destroy(attr);
        }
    }

    private static dnnl_primitive reluBackwardPrimitive(long n) {
        dnnl_memory_desc_t md = flat(n);
        dnnl_eltwise_desc_t forward = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(forward, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, md,
                0f, 0f), "relu description");
        dnnl_primitive_desc hint = new dnnl_primitive_desc();
        Dnnl.check(dnnl_primitive_desc_create(hint, new const_dnnl_op_desc_t(forward), null, Dnnl.engine(), null), "relu");
        dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_backward_desc_init(desc, dnnl_eltwise_relu_use_dst_for_bwd, md, md, 0f, 0f),
                "relu backward description");
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        try {
            Dnnl.check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(desc), null, Dnnl.engine(), hint),
                    "relu backward");
        } finally {
            dnnl_primitive_desc_destroy(hint);
        }
        return Dnnl.primitive(pd, "relu backward");
    }

    private static dnnl_primitive reluPrimitive(long n) {
        dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(desc, dnnl_forward_inference, dnnl_eltwise_relu, flat(n), 0f, 0f),
                "relu description");
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(desc), null, Dnnl.engine(), null), "relu");
        return Dnnl.primitive(pd, "relu");
    }
}
