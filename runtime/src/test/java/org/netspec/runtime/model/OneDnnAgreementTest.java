package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.model.GradientCheckTest.Net;

/**
 * float32 runs through oneDNN (convs, batch norm, relu, add+relu), float64 through ND4J's and
 * libnd4j's ops, which {@link GradientCheckTest} checks against central differences. Here both
 * run the same layers with the same values: outputs in training and evaluation mode (folded norms
 * included), every parameter's gradient, and — through a 1x1 conv in front — the input's
 * gradient, must agree to float32 precision.
 */
class OneDnnAgreementTest {

    static Stream<Net> nets() {
        Shape wide = Shape.of(8, 9, 9);
        return Stream.concat(GradientCheckTest.nets(), Stream.of(
                new Net("conv 8 -> 16, 3x3 stride 2 pad 1", wide,
                        (b, s) -> b.conv("c", s, 16, Size.of(3), Size.of(2), Padding.of(1), Size.of(1), 1, false),
                        GradientCheckTest.plain()),
                new Net("conv 8 -> 8 1x1 stride 2 with bias", wide,
                        (b, s) -> b.conv("c", s, 8, Size.of(1), Size.of(2), Padding.of(0), Size.of(1), 1, true),
                        GradientCheckTest.plain()),
                new Net("conv 8 -> 16 grouped by 4", wide,
                        (b, s) -> b.conv("c", s, 16, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 4, false),
                        GradientCheckTest.plain()),
                new Net("conv 8 -> 8 dilated 2", wide,
                        (b, s) -> b.conv("c", s, 8, Size.of(3), Size.of(1), Padding.of(2), Size.of(2), 1, false),
                        GradientCheckTest.plain()),
                new Net("conv 8 -> 8 same padding stride 2", wide,
                        (b, s) -> b.conv("c", s, 8, Size.of(3), Size.of(2), Padding.SAME, Size.of(1), 1, true),
                        GradientCheckTest.plain()),
                new Net("conv, folded batch norm, fused relu; then add+relu", wide, (b, s) -> {
                    Layer conv = b.conv("c", s, 8, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, false);
                    Layer norm = b.batchnorm("bn", conv.output(), 0.1, 1e-5, Init.ONES, false);
                    b.fold(conv, norm);
                    b.fuseRelu(conv);
                    return GradientCheckTest.sequence(conv, norm);
                }, (layer, x, ctx) -> ctx.addRelu(ctx.relu(layer.forward(x, ctx)), x)),
                new Net("conv 64 -> 64 3x3 stride 1 (Winograd in evaluation where oneDNN has it)", Shape.of(64, 10, 10),
                        (b, s) -> b.conv("c", s, 64, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true),
                        GradientCheckTest.plain()),
                new Net("conv 1x1, folded batch norm, residual sum inside the conv (16 channels)", Shape.of(16, 9, 9),
                        (b, s) -> ResidualFusionTest.convNorm(b, "c", s, 1, true), ResidualFusionTest.identityBlock()),
                new Net("conv, folded batch norm, residual sum inside the conv (8 channels)", wide,
                        (b, s) -> ResidualFusionTest.convNorm(b, "c", s, 3, true), ResidualFusionTest.identityBlock()),
                new Net("conv, folded batch norm, residual sum inside the conv (16 channels)", Shape.of(16, 9, 9),
                        (b, s) -> ResidualFusionTest.convNorm(b, "c", s, 3, true), ResidualFusionTest.identityBlock()),
                new Net("residual sum inside the conv, both sides deferred (projection shortcut)", Shape.of(16, 9, 9),
                        ResidualFusionTest::projectionBlock, GradientCheckTest.plain()),
                new Net("residual sum inside the conv, its output read first", Shape.of(16, 9, 9),
                        (b, s) -> ResidualFusionTest.convNorm(b, "c", s, 3, true),
                        (layer, x, ctx) -> {
                            INDArray y = layer.forward(x, ctx);
                            return ctx.addReluLastUse(y, ctx.relu(y));
                        })));
    }

    /** The net with a 1x1 conv in front, so that the net's input gradient shows in that conv's weights. */
    private static Layer build(Net net, Parameters params) {
        Builder b = new Builder(params);
        Shape in = net.input();
        Layer front = b.conv("front", in, in.channels(), Size.of(1), Size.of(1), Padding.of(0), Size.of(1), 1, false);
        Layer layer = net.build().apply(b, front.output());
        return TestLayers.of("net", layer.output(), (x, ctx) -> ctx.nhwc(net.ops().apply(layer, front.forward(x, ctx), ctx)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nets")
    void float32AgreesWithFloat64(Net net) {
        Parameters reference = new Parameters(11, DataType.DOUBLE);
        Layer slow = build(net, reference);
        Parameters tested = new Parameters(11, DataType.FLOAT);
        Layer fast = build(net, tested);
        // same values in both: the float64 ones, rounded
        reference.all().forEach((name, value) -> tested.all().get(name).assign(value.castTo(DataType.FLOAT)));
        // non-trivial statistics, so that evaluation-mode folding has something to fold
        reference.state().forEach((name, value) -> {
            value.assign(Nd4j.rand(DataType.DOUBLE, value.shape()).addi(name.endsWith("var") ? 0.5 : -0.5));
            tested.state().get(name).assign(value.castTo(DataType.FLOAT));
        });
        tested.touch();

        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, net.input().batch(3)).subi(0.5).muli(2);
        INDArray x32 = x.castTo(DataType.FLOAT);

        assertClose(net + " eval output", fast.forward(x32, new Context(Mode.EVAL)), slow.forward(x, new Context(Mode.EVAL)));

        Tape slowTape = new Tape();
        INDArray ySlow = slow.forward(x, Context.training(slowTape));
        Tape fastTape = new Tape();
        INDArray yFast = fast.forward(x32, Context.training(fastTape));
        assertClose(net + " train output", yFast, ySlow);

        INDArray projection = Nd4j.rand(DataType.DOUBLE, ySlow.shape()).subi(0.5);
        Map<String, INDArray> gSlow = slowTape.backward(ySlow, projection);
        Map<String, INDArray> gFast = fastTape.backward(yFast, projection.castTo(DataType.FLOAT));
        assertThat(gFast.keySet()).containsExactlyInAnyOrderElementsOf(gSlow.keySet());
        gSlow.forEach((name, g) -> assertClose(net + " gradient of " + name, gFast.get(name), g));
        reference.state().forEach((name, value) -> assertClose(net + " " + name, tested.state().get(name), value));
    }

    /** Within 1e-4 of the reference's largest magnitude, element by element. */
    private static void assertClose(String what, INDArray actual, INDArray expected) {
        assertThat(actual.shape()).as(what).isEqualTo(expected.shape());
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-3);
        double diff = actual.castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue();
        assertThat(diff / scale).as("%s: max |difference| %s against max |value| %s", what, diff, scale)
                .isLessThanOrEqualTo(1e-4);
    }
}
