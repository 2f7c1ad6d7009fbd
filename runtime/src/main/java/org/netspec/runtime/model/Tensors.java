package org.netspec.runtime.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.netspec.runtime.dnnl.Elementwise;

/**
 * Parameterless ops for generated code, on NHWC batches. Each returns a new array; inputs are
 * never modified (a block's input is often also its shortcut).
 */
public final class Tensors {
    private Tensors() {}

    public static INDArray relu(INDArray x) {
        return Elementwise.supports(x, null) ? Elementwise.relu(x) : Transforms.relu(x, true);
    }

    /** {@code relu(a + b)} in one pass: the end of a residual block. */
    public static INDArray addRelu(INDArray a, INDArray b) {
        return Elementwise.supports(a, b) ? Elementwise.addRelu(a, b) : Transforms.relu(a.add(b), false);
    }

    /**
     * {@code relu(a + b)} written over {@code a}, returned as a new array object on a's memory (so
     * that a tape tells the two values apart).
     */
    static INDArray addReluOver(INDArray a, INDArray b) {
        if (Elementwise.supports(a, b) && a.ordering() == 'c' && a.elementWiseStride() == 1) {
            Elementwise.addReluInto(a, b, a);
        } else {
            Transforms.relu(a.addi(b), false);
        }
        return Nd4j.create(a.data(), a.shape(), a.stride(), 0, a.ordering(), a.dataType()); // a view's buffer starts at its first value
    }

    /**
     * relu's input gradient from its output {@code y} and output gradient {@code g} (g where y > 0),
     * written over {@code g} when the backward step is its only holder (one buffer less is live),
     * else into a new gradient buffer.
     */
    public static INDArray reluBackwardInPlace(INDArray y, INDArray g) {
        INDArray out = Tape.writableGradient(g);
        if (Elementwise.supports(y, g)) {
            return Elementwise.reluBackward(y, g, out);
        }
        INDArray mask = y.gt(0).castTo(g.dataType());
        return out == g ? g.muli(mask) : out.assign(g).muli(mask);
    }

    public static INDArray sigmoid(INDArray x) {
        return Transforms.sigmoid(x, true);
    }

    public static INDArray tanh(INDArray x) {
        return Transforms.tanh(x, true);
    }

    /** x * sigmoid(x), a.k.a. swish. */
    public static INDArray silu(INDArray x) {
        return x.mul(Transforms.sigmoid(x, true));
    }

    /** The exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), PyTorch's default. */
    public static INDArray gelu(INDArray x) {
        INDArray cdf = x.div(Math.sqrt(2));
        org.nd4j.linalg.factory.Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Erf(cdf, cdf));
        return cdf.addi(1).muli(0.5).muli(x);
    }

    public static INDArray identity(INDArray x) {
        return x;
    }

    public static INDArray add(INDArray a, INDArray b) {
        return a.add(b);
    }

    /** Element-wise product; an N x 1 x 1 x C gate broadcasts over N x H x W x C. */
    public static INDArray multiply(INDArray a, INDArray b) {
        if (java.util.Arrays.equals(a.shape(), b.shape())) {
            return a.mul(b);
        }
        INDArray big = a.rank() == 4 && a.size(1) >= b.size(1) ? a : b;
        INDArray gate = big == a ? b : a;
        return big.mul(gate.broadcast(big.shape()));
    }

    /**
     * How many NaN and infinite values {@code t} holds, as words, or null when all are finite (or
     * it holds no floats). One pass in the common case: a finite sum means finite values.
     */
    public static String nonFinite(INDArray t) {
        if (!t.dataType().isFPType() || Double.isFinite(t.sumNumber().doubleValue())) {
            return null;
        }
        long nan = t.isNaN().castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
        long inf = t.isInfinite().castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
        return nan + inf == 0 ? null : nan + " NaN and " + inf + " infinite values of " + t.length();
    }

    public static int channels(Shape s) {
        return s.channels();
    }

    public static int height(Shape s) {
        return s.height();
    }

    public static int width(Shape s) {
        return s.width();
    }

    /** Channels of a batch at run time: the last axis of NHWC, or the features of N x F. */
    public static int channels(INDArray x) {
        return (int) x.size(x.rank() - 1);
    }

    public static int height(INDArray x) {
        return (int) x.size(1);
    }

    public static int width(INDArray x) {
        return (int) x.size(2);
    }
}
