package org.netspec.runtime.train;

import org.netspec.runtime.loss.SoftmaxCrossEntropy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Optimizer steps against the update rules written out by hand. */
class OptimizerTest {

    private static Map<String, INDArray> one(String name, INDArray value) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put(name, value);
        return m;
    }

    @Test
    void sgdWithNesterovAndWeightDecay() {
        INDArray w = Nd4j.createFromArray(new double[][] {{1.0, -2.0}});
        Sgd sgd = new Sgd(0.9, true, 0.1, false);
        double lr = 0.5;
        double[] p = {1.0, -2.0};
        double[] buf = {0, 0};
        double[][] grads = {{0.3, -0.1}, {0.2, 0.4}};
        for (int step = 0; step < 2; step++) {
            sgd.step(one("w", w), one("w", Nd4j.createFromArray(new double[][] {grads[step]})), lr);
            for (int i = 0; i < 2; i++) {
                double d = grads[step][i] + 0.1 * p[i];
                buf[i] = step == 0 ? d : 0.9 * buf[i] + d;
                p[i] -= lr * (d + 0.9 * buf[i]);
            }
        }
        assertThat(w.getDouble(0, 0)).isCloseTo(p[0], within(1e-12));
        assertThat(w.getDouble(0, 1)).isCloseTo(p[1], within(1e-12));
    }

    /** The one-pass float32 update of a big matrix: the rule's float operations, in its order, to the bit. */
    @Test
    void sgdOnePassOverABigFloatTensorMatchesTheRuleToTheBit() {
        int n = 300 * 1001;
        Nd4j.getRandom().setSeed(3);
        INDArray w = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 300, 1001).subi(0.5); // a matrix: decayed
        float[] p = w.reshape(n).toFloatVector();
        float[] buf = new float[n];
        Sgd sgd = new Sgd(0.9, true, 0.01, false);
        for (int step = 0; step < 2; step++) {
            INDArray g = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 300, 1001).subi(0.5);
            float[] gv = g.reshape(n).toFloatVector();
            sgd.step(one("w", w), one("w", g), 0.1);
            for (int i = 0; i < n; i++) {
                float d = gv[i] + p[i] * 0.01f;
                buf[i] = buf[i] * 0.9f + d;
                p[i] = p[i] - (d + buf[i] * 0.9f) * 0.1f;
            }
        }
        float[] updated = w.reshape(n).toFloatVector();
        int differs = -1;
        for (int i = 0; i < n && differs < 0; i++) {
            differs = Float.floatToIntBits(updated[i]) == Float.floatToIntBits(p[i]) ? -1 : i;
        }
        assertThat(differs).as("first value that differs").isEqualTo(-1);
    }

    @Test
    void adamWFirstStepMovesByTheLearningRate() {
        INDArray w = Nd4j.createFromArray(new double[][] {{1.0, 1.0}});
        AdamW adam = new AdamW(0.9, 0.999, 1e-8, 0.01);
        adam.step(one("w", w), one("w", Nd4j.createFromArray(new double[][] {{0.5, -3.0}})), 0.1);
        // decoupled decay first, then a bias-corrected step of size lr * sign(g)
        assertThat(w.getDouble(0, 0)).isCloseTo(1.0 * (1 - 0.001) - 0.1, within(1e-6));
        assertThat(w.getDouble(0, 1)).isCloseTo(1.0 * (1 - 0.001) + 0.1, within(1e-6));
        AdamW restored = new AdamW(0.9, 0.999, 1e-8, 0.01);
        restored.restore(adam.state());
        assertThat(restored.state().keySet()).isEqualTo(adam.state().keySet());
    }

    @Test
    void warmupCosineSchedule() {
        Schedule s = Schedule.warmupCosine(0.1, 10, 110);
        assertThat(s.at(0)).isCloseTo(0.01, within(1e-12));
        assertThat(s.at(9)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(60)).isCloseTo(0.05, within(1e-12));
        assertThat(s.at(110)).isCloseTo(0.0, within(1e-12));
        assertThat(Schedule.step(0.1, 0.1, 30).at(65)).isCloseTo(0.001, within(1e-12));
    }

    @Test
    void crossEntropyWithLabelSmoothing() {
        INDArray logits = Nd4j.createFromArray(new double[][] {{2.0, 0.0, -1.0}});
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.of(logits, Nd4j.createFromArray(0), 0.1);
        double[] z = {2.0, 0.0, -1.0};
        double sum = Math.exp(2) + 1 + Math.exp(-1);
        double loss = 0;
        for (int c = 0; c < 3; c++) {
            double target = (c == 0 ? 0.9 : 0) + 0.1 / 3;
            loss -= target * (z[c] - Math.log(sum));
        }
        assertThat(r.loss()).isCloseTo(loss, within(1e-12));
        assertThat(r.gradient().getDouble(0, 0)).isCloseTo(Math.exp(2) / sum - (0.9 + 0.1 / 3), within(1e-12));
    }
}
