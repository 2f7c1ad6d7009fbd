package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.netspec.runtime.model.GradientCheckTest.Ops;

/**
 * A block's closing {@code relu(y + shortcut)} computed inside the conv that makes {@code y}
 * ({@link Builder#fuseResidual}): in evaluation the conv waits for the sum and runs with it as
 * oneDNN post-ops. The values must equal the plain path's, and any other reader of {@code y}
 * must see the conv's own output. {@link OneDnnAgreementTest} checks the same nets against
 * float64.
 */
class ResidualFusionTest {

    /** conv (channels in = out) -> folded batch norm, the norm's output fused into a residual sum or not. */
    static Layer convNorm(Builder b, String name, Shape s, int kernel, boolean residual) {
        Layer conv = b.conv(name, s, s.channels(), Size.of(kernel), Size.of(1), Padding.of(kernel / 2), Size.of(1), 1, false);
        Layer norm = b.batchnorm(name + "bn", conv.output(), 0.1, 1e-5, Init.ONES, false);
        b.fold(conv, norm);
        if (residual) {
            b.fuseResidual(conv);
        }
        return GradientCheckTest.sequence(conv, norm);
    }

    static Ops identityBlock() {
        return (layer, x, ctx) -> ctx.addReluLastUse(layer.forward(x, ctx), x);
    }

    /** y = conv 3x3 -> norm, shortcut = conv 1x1 -> norm, both waiting for relu(y + shortcut). */
    static Layer projectionBlock(Builder b, Shape s) {
        Layer y = convNorm(b, "y", s, 3, true);
        Layer shortcut = convNorm(b, "shortcut", s, 1, true);
        return TestLayers.of("block", s, (x, ctx) -> ctx.addReluLastUse(y.forward(x, ctx), shortcut.forward(x, ctx)));
    }

    private static INDArray evaluate(Layer layer, Ops ops, INDArray x, Context ctx) {
        return ctx.nhwc(ops.apply(layer, x, ctx));
    }

    private static Parameters parameters() {
        Parameters p = new Parameters(3, DataType.FLOAT);
        Nd4j.getRandom().setSeed(7);
        p.state().forEach((name, value) -> value.assign(Nd4j.rand(DataType.FLOAT, value.shape()).addi(name.endsWith("var") ? 0.5 : -0.5)));
        return p;
    }

    @Test
    void sumRunsInsideTheConvAndEqualsThePlainPath() {
        Shape s = Shape.of(16, 12, 12);
        Parameters fusedParams = parameters();
        // a 1x1 conv, as a bottleneck's conv3 (3x3 stride-1 convs run Winograd's algorithm in
        // evaluation where oneDNN has it, which takes no residual: those add in a pass of their own)
        Layer fused = convNorm(new Builder(fusedParams), "c", s, 1, true);
        Parameters plainParams = parameters();
        Layer plain = convNorm(new Builder(plainParams), "c", s, 1, false);
        fusedParams.all().forEach((name, value) -> plainParams.all().get(name).assign(value));
        fusedParams.state().forEach((name, value) -> plainParams.state().get(name).assign(value));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 12, 12, 16).subi(0.5);
        INDArray before = x.dup();

        Profile profile = new Profile();
        INDArray y = evaluate(fused, identityBlock(), x, new Context(Mode.EVAL).profiled(profile));
        INDArray expected = evaluate(plain, identityBlock(), x, new Context(Mode.EVAL));

        assertThat(profile.ops()).as("ops run").containsKey("conv+add+relu").doesNotContainKey("add+relu");
        assertThat(y.sub(expected).amaxNumber().doubleValue()).isLessThanOrEqualTo(1e-5 * expected.amaxNumber().doubleValue());
        assertThat(x).as("the shortcut is read, not written").isEqualTo(before);
        assertThat(y.minNumber().doubleValue()).isGreaterThanOrEqualTo(0.0);
    }

    /** A 1x1 conv -> norm waiting for its residual sum, an input, and the conv's plain output. */
    private record Case(Layer layer, INDArray x, INDArray y) {
        static Case make() {
            Layer layer = convNorm(new Builder(parameters()), "c", Shape.of(16, 8, 8), 1, true);
            INDArray x = Nd4j.rand(DataType.FLOAT, 1, 8, 8, 16).subi(0.5);
            return new Case(layer, x, ctxRun(layer, x, (l, in, ctx) -> ctx.nhwc(l.forward(in, ctx))));
        }
    }

    @Test
    void readersOtherThanTheSumSeeTheConvsOwnOutput() {
        Case c = Case.make();
        Layer layer = c.layer();
        INDArray x = c.x();
        INDArray y = c.y();
        // the same conv's output, read by a relu before the sum: the sum adds y to relu(y)
        INDArray z = ctxRun(layer, x, (l, in, ctx) -> {
            INDArray out = l.forward(in, ctx);
            return ctx.nhwc(ctx.addReluLastUse(out, ctx.relu(out)));
        });
        INDArray expected = Transforms.relu(y.add(Transforms.relu(y, true)), false);
        assertThat(z.sub(expected).amaxNumber().doubleValue()).isLessThanOrEqualTo(1e-6);
    }

    @Test
    void aWantedNormOutputIsKeptAsComputed() {
        Case c = Case.make();
        Context ctx = new Context(Mode.EVAL, Set.of("cbn"));
        identityBlock().apply(c.layer(), c.x(), ctx);
        assertThat(ctx.kept().get("cbn").sub(c.y()).amaxNumber().doubleValue()).isLessThanOrEqualTo(1e-6);
    }

    private static INDArray ctxRun(Layer layer, INDArray x, Ops ops) {
        return ops.apply(layer, x, new Context(Mode.EVAL));
    }
}
