package org.netspec.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.netspec.runtime.model.Model;

/** resnet_gn.net: group norm and stochastic depth, added through the op registry alone. */
class GroupNormResNetTest {

    @Test
    void resNet50GnHasTimmsParameterCount() {
        assertThat(ResNet50GN.PARAMETER_COUNT).isEqualTo(25_557_032L); // timm's resnet50_gn
        Model model = ResNet50GN.builder().inputShape(3, 32, 32).seed(1).build();
        assertThat(model.parameterCount()).isEqualTo(25_557_032L);
        assertThat(model.parameters().state()).isEmpty(); // no running statistics
    }

    @Test
    void anExampleGetsTheSameOutputAloneAsInABatch() {
        Model model = ResNet50GN.builder().stages(1, 1, 1, 1).classes(5).inputShape(3, 32, 32).seed(2).build();
        Nd4j.getRandom().setSeed(4);
        INDArray batch = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        INDArray together = model.predict(batch);
        INDArray alone = model.predict(batch.get(NDArrayIndex.interval(2, 3)).dup());
        assertThat(alone.sub(together.get(NDArrayIndex.interval(2, 3))).amaxNumber().doubleValue()).isLessThan(1e-4);
    }

    @Test
    void stochasticDepthDropsWholeExamplesInTrainingOnlyAndReplaysWhenSeeded() {
        Model model = ResNet50GN.builder().stages(1, 1, 1, 1).classes(5).dropRate(0.5).inputShape(3, 32, 32)
                .seed(3).build();
        Nd4j.getRandom().setSeed(5);
        INDArray x = model.toModelLayout(Nd4j.rand(DataType.FLOAT, 8, 3, 32, 32));
        INDArray labels = Nd4j.createFromArray(new int[] {0, 1, 2, 3, 4, 0, 1, 2}).castTo(DataType.INT64);
        Model.Gradients first = model.gradients(x, labels, 0, 11L);
        Model.Gradients replay = model.gradients(x, labels, 0, 11L);
        Model.Gradients other = model.gradients(x, labels, 0, 12L);
        assertThat(replay.loss()).isEqualTo(first.loss());
        assertThat(other.loss()).isNotEqualTo(first.loss());
        // evaluation: the identity, so two predictions agree exactly
        INDArray images = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        assertThat(model.predict(images)).isEqualTo(model.predict(images));
    }
}
