package org.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.example.variants.ResNet26;
import org.example.variants.WideResNet50_2;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class VariantsTest {
    @Test
    void resNet26() {
        assertEquals(15_995_176L, ResNet26.PARAMETER_COUNT);
        ResNet26 model = ResNet26.builder().classes(10).inputShape(3, 64, 64).seed(7).build();
        assertEquals(13_966_666L, model.parameterCount());
        INDArray logits = model.predict(Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64));
        assertArrayEquals(new long[] {2, 10}, logits.shape());
    }

    @Test
    void wideResNet50() {
        assertEquals(68_883_240L, WideResNet50_2.PARAMETER_COUNT);
        WideResNet50_2 model = WideResNet50_2.builder().classes(10).inputShape(3, 64, 64).seed(7).build();
        assertEquals(66_854_730L, model.parameterCount());
        INDArray logits = model.predict(Nd4j.rand(DataType.FLOAT, 1, 3, 64, 64));
        assertArrayEquals(new long[] {1, 10}, logits.shape());
        assertArrayEquals(new long[] {1, 1024, 4, 4}, model.features(Nd4j.rand(DataType.FLOAT, 1, 3, 64, 64), "layer3")
                .get("layer3").shape());
    }
}
