package org.netspec.runtime.train;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One step's contribution as one float64 array for an all-reduce: gradients, statistics, loss and correct count. */
final class Flat {
    private Flat() {}

    static double[] pack(Map<String, INDArray> gradients, Map<String, INDArray> stats, double lossSum, long correct) {
        long n = 2;
        for (INDArray a : gradients.values()) {
            n += a.length();
        }
        for (INDArray a : stats.values()) {
            n += a.length();
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a model of " + n + " values is too large for one all-reduce");
        }
        double[] flat = new double[(int) n];
        int at = 0;
        for (INDArray a : gradients.values()) {
            at = copyOut(a, flat, at);
        }
        for (INDArray a : stats.values()) {
            at = copyOut(a, flat, at);
        }
        flat[at++] = lossSum;
        flat[at] = correct;
        return flat;
    }

    /** Writes the reduced values back into the maps' arrays; returns the loss sum and correct count. */
    static double[] unpack(double[] flat, Map<String, INDArray> gradients, Map<String, INDArray> stats) {
        int at = 0;
        for (INDArray a : gradients.values()) {
            at = copyIn(flat, at, a);
        }
        for (INDArray a : stats.values()) {
            at = copyIn(flat, at, a);
        }
        return new double[] {flat[at], flat[at + 1]};
    }

    private static int copyOut(INDArray a, double[] flat, int at) {
        double[] v = a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        System.arraycopy(v, 0, flat, at, v.length);
        return at + v.length;
    }

    private static int copyIn(double[] flat, int at, INDArray a) {
        int n = (int) a.length();
        double[] v = new double[n];
        System.arraycopy(flat, at, v, 0, n);
        a.assign(Nd4j.create(v, a.shape(), 'c').castTo(a.dataType()));
        return at + n;
    }
}
