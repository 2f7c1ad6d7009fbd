package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every op's backward against central differences, in float64 (eps 1e-6; relative error with
 * an absolute floor, as PyTorch's gradcheck judges). The loss is a fixed random projection of
 * the output, so every output element matters.
 */
public class GradientCheckTest {
    private static final double EPS = 1e-6;
    /** Every pass of a check draws the same dropout and drop_path masks. */
    private static final long SEED = 42;

    private static Context train() {
        return new Context(Mode.TRAIN).seeded(SEED);
    }

    /** A one-op (or few-op) network over a small input. */
    public record Net(String name, Shape input, BiFunction<Builder, Shape, Layer> build, Ops ops) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Ops applied after the built layers, through a context (activations, sums). */
    public interface Ops {
        INDArray apply(Layer layer, INDArray x, Context ctx);
    }

    static Ops plain() {
        return (layer, x, ctx) -> layer.forward(x, ctx);
    }

    /** Every op's check; the models module checks that together they cover every op of the registry. */
    public static Stream<Net> nets() {
        Shape in = Shape.of(4, 5, 5);
        return Stream.of(
                new Net("conv 3x3 stride 2 pad 1 bias", in,
                        (b, s) -> b.conv("c", s, 3, Size.of(3), Size.of(2), Padding.of(1), Size.of(1), 1, true), plain()),
                new Net("conv 1x1 stride 1", in,
                        (b, s) -> b.conv("c", s, 6, Size.of(1), Size.of(1), Padding.of(0), Size.of(1), 1, false), plain()),
                new Net("conv 1x1 stride 2", in,
                        (b, s) -> b.conv("c", s, 6, Size.of(1), Size.of(2), Padding.of(0), Size.of(1), 1, false), plain()),
                new Net("conv 3x3 same stride 2 dilation 1", in,
                        (b, s) -> b.conv("c", s, 2, Size.of(3), Size.of(2), Padding.SAME, Size.of(1), 1, false), plain()),
                new Net("conv 3x3 dilated", in,
                        (b, s) -> b.conv("c", s, 2, Size.of(3), Size.of(1), Padding.of(2), Size.of(2), 1, false), plain()),
                new Net("grouped conv", in,
                        (b, s) -> b.conv("c", s, 4, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 2, true), plain()),
                new Net("batchnorm, batch statistics", in,
                        (b, s) -> b.batchnorm("bn", s, 0.1, 1e-5, Init.ONES, false), plain()),
                new Net("groupnorm, 3 groups, after a conv", in, (b, s) -> {
                    Layer conv = b.conv("c", s, 6, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true);
                    return sequence(conv, b.groupnorm("gn", conv.output(), 3, 1e-5, Init.ONES));
                }, plain()),
                new Net("groupnorm, one group per channel", in,
                        (b, s) -> b.groupnorm("gn", s, 4, 1e-5, Init.ONES), plain()),
                new Net("drop_path after a conv (seeded masks)", in, (b, s) -> {
                    Layer conv = b.conv("c", s, 3, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true);
                    return sequence(conv, b.dropPath("dp", conv.output(), 0.5));
                }, plain()),
                new Net("dropout after a conv (seeded masks)", in, (b, s) -> {
                    Layer conv = b.conv("c", s, 3, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true);
                    return sequence(conv, b.dropout("do", conv.output(), 0.3));
                }, plain()),
                new Net("max pool 3x3 stride 2 pad 1", in,
                        (b, s) -> b.maxpool("p", s, Size.of(3), Size.of(2), Padding.of(1)), plain()),
                new Net("average pool 2x2", Shape.of(3, 4, 4),
                        (b, s) -> b.avgpool("p", s, Size.of(2), Size.of(2), Padding.of(0)), plain()),
                new Net("mean then dense", in,
                        (b, s) -> denseAfter(b, b.mean("m", s, "spatial", false)), plain()),
                new Net("flatten then dense", Shape.of(2, 3, 3),
                        (b, s) -> denseAfter(b, b.flatten("f", s)), plain()),
                activation("relu", (ctx, y) -> ctx.relu(y)),
                activation("sigmoid", (ctx, y) -> ctx.sigmoid(y)),
                activation("tanh", (ctx, y) -> ctx.tanh(y)),
                activation("silu", (ctx, y) -> ctx.silu(y)),
                activation("gelu", (ctx, y) -> ctx.gelu(y)),
                activation("one value, several consumers", (ctx, y) -> ctx.add(ctx.add(ctx.relu(y), ctx.tanh(y)), y)),
                // the add hands one gradient buffer to both inputs: the relu must not overwrite it
                activation("one gradient for two inputs, one through a relu", (ctx, y) -> {
                    INDArray t = ctx.tanh(y);
                    return ctx.add(ctx.relu(t), ctx.add(t, t));
                }),
                new Net("channel gate (squeeze-and-excitation)", Shape.of(4, 5, 5), (b, s) -> {
                    Layer conv = b.conv("c", s, 3, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true);
                    Layer squeeze = b.mean("m", conv.output(), "spatial", true);
                    return TestLayers.of("se", conv.output(), (x, ctx) -> {
                        INDArray y = conv.forward(x, ctx);
                        return ctx.multiply(y, ctx.sigmoid(squeeze.forward(y, ctx)));
                    });
                }, plain()));
    }

    /** A conv followed by context ops on its output. */
    static Net activation(String name, java.util.function.BiFunction<Context, INDArray, INDArray> then) {
        return new Net(name, Shape.of(4, 5, 5),
                (b, s) -> b.conv("c", s, 3, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true),
                (layer, x, ctx) -> then.apply(ctx, layer.forward(x, ctx)));
    }

    private static Layer denseAfter(Builder b, Layer before) {
        return sequence(before, b.dense("d", before.output(), 3, true));
    }

    /** {@code second} applied to {@code first}'s output. */
    public static Layer sequence(Layer first, Layer second) {
        return TestLayers.of("seq", second.output(), (x, ctx) -> second.forward(first.forward(x, ctx), ctx));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nets")
    void backwardMatchesCentralDifferences(Net net) {
        Parameters params = new Parameters(11, DataType.DOUBLE);
        Builder builder = new Builder(params);
        Layer layer = net.build().apply(builder, net.input());
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, net.input().batch(3)).subi(0.5).muli(2);
        INDArray out = net.ops().apply(layer, x, train());
        INDArray projection = Nd4j.rand(DataType.DOUBLE, out.shape()).subi(0.5);

        Tape tape = new Tape();
        INDArray y = net.ops().apply(layer, x, Context.training(tape).seeded(SEED));
        Map<String, INDArray> analytic = tape.backward(y, projection);
        assertThat(analytic.keySet()).containsExactlyInAnyOrderElementsOf(params.parameters().keySet());

        for (Map.Entry<String, INDArray> p : params.parameters().entrySet()) {
            INDArray value = p.getValue();
            INDArray grad = analytic.get(p.getKey());
            for (long i = 0; i < value.length(); i++) {
                double saved = value.getDouble(i);
                value.putScalar(i, saved + EPS);
                double plus = net.ops().apply(layer, x, train()).mul(projection).sumNumber().doubleValue();
                value.putScalar(i, saved - EPS);
                double minus = net.ops().apply(layer, x, train()).mul(projection).sumNumber().doubleValue();
                value.putScalar(i, saved);
                double numeric = (plus - minus) / (2 * EPS);
                double a = grad.getDouble(i);
                double error = Math.abs(a - numeric) / Math.max(1e-5 + 1e-3 * Math.abs(numeric), 1e-12);
                assertThat(Math.abs(a - numeric)).as("%s %s[%d]: analytic %s numeric %s", net.name(), p.getKey(), i,
                        a, numeric).isLessThanOrEqualTo(1e-5 + 1e-3 * Math.abs(numeric));
                assertThat(error).isFinite();
            }
        }
        List<String> unused = List.of();
        assertThat(unused).isEmpty();
    }
}
