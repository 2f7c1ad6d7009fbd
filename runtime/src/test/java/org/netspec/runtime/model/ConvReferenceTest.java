package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Conv forward against a plain-loop reference, in float64 and float32 (oneDNN's path) (the gradient checks only show that
 * backward agrees with forward, not that forward is right): strides, padding, dilation, groups.
 */
class ConvReferenceTest {

    @ParameterizedTest(name = "k{0} s{1} p{2} d{3} g{4} {5}")
    @CsvSource({"3,1,1,1,1,DOUBLE", "3,2,1,1,1,DOUBLE", "1,2,0,1,1,DOUBLE", "7,2,3,1,1,DOUBLE", "3,1,2,2,1,DOUBLE",
            "3,2,2,2,1,DOUBLE", "3,1,1,1,2,DOUBLE", "3,1,1,1,1,FLOAT", "3,2,1,1,1,FLOAT", "1,1,0,1,1,FLOAT",
            "3,1,2,2,1,FLOAT", "3,2,2,2,1,FLOAT", "3,1,1,1,2,FLOAT"})
    void matchesPlainLoops(int k, int s, int p, int d, int groups, DataType type) {
        int n = 2;
        int c = 4;
        int h = 9;
        int w = 8;
        int f = 6;
        Parameters params = new Parameters(1, type);
        Layer conv = new Builder(params).conv("c", Shape.of(c, h, w), f, Size.of(k), Size.of(s), Padding.of(p), Size.of(d),
                groups, true);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(type, n, h, w, c);
        Context ctx = new Context(Mode.TRAIN);
        INDArray out = ctx.nhwc(conv.forward(x, ctx));
        INDArray weight = params.parameters().get("c.weight");
        INDArray bias = params.parameters().get("c.bias");
        int oh = conv.output().height();
        int ow = conv.output().width();
        int perGroupIn = c / groups;
        int perGroupOut = f / groups;
        for (int b = 0; b < n; b++) {
            for (int y = 0; y < oh; y++) {
                for (int xo = 0; xo < ow; xo++) {
                    for (int o = 0; o < f; o++) {
                        int g = o / perGroupOut;
                        double sum = bias.getDouble(o);
                        for (int i = 0; i < perGroupIn; i++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = y * s - p + ky * d;
                                    int ix = xo * s - p + kx * d;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                        sum += x.getDouble(b, iy, ix, g * perGroupIn + i) * weight.getDouble(o, i, ky, kx);
                                    }
                                }
                            }
                        }
                        assertThat(out.getDouble(b, y, xo, o)).as("(%d,%d,%d,%d)", b, y, xo, o)
                                .isCloseTo(sum, org.assertj.core.data.Offset.offset(type == DataType.DOUBLE ? 1e-9 : 1e-4));
                    }
                }
            }
        }
    }
}
