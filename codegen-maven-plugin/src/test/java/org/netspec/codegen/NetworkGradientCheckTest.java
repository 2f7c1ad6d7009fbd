package org.netspec.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.model.Mode;
import org.netspec.runtime.model.Model;
import org.netspec.runtime.loss.SoftmaxCrossEntropy;

/**
 * Whole generated networks with projection shortcuts, in float64: the tape's gradient of the
 * cross-entropy against central differences for a sample of every parameter tensor.
 */
class NetworkGradientCheckTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ResNet18", "ResNet50"})
    void matchesCentralDifferences(String model) throws Exception {
        Model net = CompiledModels.build(model, "filters", 4, "classes", 3, "inputShape", new int[] {3, 32, 32},
                "stages", java.util.List.of(1, 1, 1, 1), "seed", 9L, "dataType", DataType.DOUBLE);
        Nd4j.getRandom().setSeed(1);
        INDArray x = net.toModelLayout(Nd4j.randn(DataType.DOUBLE, 4, 3, 32, 32));
        INDArray labels = Nd4j.createFromArray(0, 2, 1, 2);
        Map<String, INDArray> analytic = net.gradients(x, labels, 0.1).gradients();
        double eps = 1e-6;
        int checked = 0;
        for (Map.Entry<String, INDArray> p : net.parameters().parameters().entrySet()) {
            INDArray value = p.getValue();
            for (long i = 0; i < value.length(); i += Math.max(1, value.length() / 3)) {
                double saved = value.getDouble(i);
                value.putScalar(i, saved + eps);
                double plus = SoftmaxCrossEntropy.of(net.forward(x, Mode.TRAIN), labels, 0.1).loss();
                value.putScalar(i, saved - eps);
                double minus = SoftmaxCrossEntropy.of(net.forward(x, Mode.TRAIN), labels, 0.1).loss();
                value.putScalar(i, saved);
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic.get(p.getKey()).getDouble(i);
                assertThat(Math.abs(a - numeric)).as("%s[%d]: analytic %s numeric %s", p.getKey(), i, a, numeric)
                        .isLessThanOrEqualTo(1e-5 + 1e-3 * Math.abs(numeric));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(50);
    }
}
