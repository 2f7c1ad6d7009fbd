package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code ctx.addReluLastUse(y, shortcut)}, which generated blocks return, writes the sum over y in a
 * training pass only when nothing else can read y — and the gradients are those of the copying
 * {@code addRelu}, to the bit.
 */
class ResidualInPlaceTest {

    /** conv -> batchnorm, then relu(y + x) inside one block; the last use of y or a plain add+relu. */
    static final class Residual extends Model {
        final Layer[] layers = new Layer[2];

        Residual(boolean lastUse) {
            this(lastUse, new Layer[2]);
        }

        private Residual(boolean lastUse, Layer[] built) {
            super("Residual", Shape.of(8, 6, 6), new Parameters(5, DataType.FLOAT), (b, x) -> {
                built[0] = b.conv("conv", x, 8, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, false);
                built[1] = b.batchnorm("bn", built[0].output(), 0.1, 1e-5, Init.ONES, false);
                Layer mean = b.mean("mean", x, "spatial", false);
                Layer fc = b.dense("fc", mean.output(), 4, true);
                return TestLayers.of("", fc.output(), (in, ctx) -> {
                    int outer = ctx.enterBlock();
                    INDArray y = built[1].forward(built[0].forward(in, ctx), ctx);
                    INDArray out = lastUse ? ctx.addReluLastUse(y, in) : ctx.addRelu(y, in);
                    ctx.exitBlock(outer);
                    return fc.forward(mean.forward(out, ctx), ctx);
                });
            });
            System.arraycopy(built, 0, layers, 0, 2);
        }
    }

    private static final INDArray LABELS = Nd4j.createFromArray(0, 1, 2, 3);

    private static INDArray batch(Model model) {
        Nd4j.getRandom().setSeed(11);
        return model.toModelLayout(Nd4j.rand(DataType.FLOAT, 4, 8, 6, 6).subi(0.5));
    }

    @Test
    void gradientsAreThoseOfTheCopyingAddRelu() {
        Residual reusing = new Residual(true);
        Residual copying = new Residual(false);
        for (int step = 0; step < 2; step++) { // the second step runs in the workspace the first sized
            Model.Gradients a = reusing.gradients(batch(reusing), LABELS, 0);
            Model.Gradients b = copying.gradients(batch(copying), LABELS, 0);
            assertThat(a.loss()).isEqualTo(b.loss());
            assertThat(a.gradients().keySet()).isEqualTo(b.gradients().keySet()).hasSize(5);
            for (Map.Entry<String, INDArray> e : a.gradients().entrySet()) {
                assertThat(e.getValue().equalsWithEps(b.gradients().get(e.getKey()), 0)).as(e.getKey()).isTrue();
            }
        }
    }

    /** Runs conv -> bn and then {@code end} inside a block of a training pass; true when the sum went over y. */
    private static boolean overwrites(Context ctx, java.util.function.BiFunction<INDArray, Context, INDArray[]> end) {
        Residual model = new Residual(true);
        INDArray x = batch(model);
        ctx.enterBlock();
        INDArray[] ya = end.apply(model.layers[1].forward(model.layers[0].forward(x, ctx), ctx), ctx);
        INDArray y = ya[0];
        INDArray before = y.dup();
        INDArray sum = ctx.addReluLastUse(y, ya[1] == null ? x : ya[1]);
        boolean shared = GradientBuffers.overlap(sum, y);
        assertThat(y.equalsWithEps(before, 0)).as("y kept its values").isEqualTo(!shared);
        return shared;
    }

    @Test
    void writesOverTheNormsOutputInATrainingPass() {
        assertThat(overwrites(Context.training(new Tape()), (y, ctx) -> new INDArray[] {y, null})).isTrue();
    }

    @Test
    void keepsWhatSomethingElseMayRead() {
        // evaluation: no tape to tell who reads y
        assertThat(overwrites(new Context(Mode.EVAL), (y, ctx) -> new INDArray[] {y, null})).isFalse();
        // y read by another recorded op (a relu here) before the add
        assertThat(overwrites(Context.training(new Tape()), (y, ctx) -> {
            ctx.relu(y);
            return new INDArray[] {y, null};
        })).isFalse();
        // both operands the same array
        assertThat(overwrites(Context.training(new Tape()), (y, ctx) -> new INDArray[] {y, y})).isFalse();
        // y made before the block that adds began (its caller may still read it)
        assertThat(overwrites(Context.training(new Tape()), (y, ctx) -> {
            ctx.enterBlock();
            return new INDArray[] {y, null};
        })).isFalse();
    }
}
