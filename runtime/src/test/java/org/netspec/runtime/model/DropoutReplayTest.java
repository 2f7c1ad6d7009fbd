package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Dropout masks of a seeded pass depend on the seed alone: a resumed run replays them. */
class DropoutReplayTest {
    @Test
    void seededPassesReplayTheirMasks() {
        Layer dropout = new Builder(new Parameters(1)).dropout("drop", Shape.of(64), 0.5);
        INDArray x = Nd4j.ones(DataType.FLOAT, 4, 64);
        INDArray first = dropout.forward(x, new Context(Mode.TRAIN).seeded(42));
        dropout.forward(x, new Context(Mode.TRAIN).seeded(7)); // other passes in between change nothing
        dropout.forward(x, new Context(Mode.TRAIN));
        INDArray again = dropout.forward(x, new Context(Mode.TRAIN).seeded(42));
        INDArray other = dropout.forward(x, new Context(Mode.TRAIN).seeded(43));

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        // about half dropped, the rest scaled by 1 / (1 - rate)
        double kept = first.gt(0).castTo(DataType.FLOAT).meanNumber().doubleValue();
        assertThat(kept).isBetween(0.35, 0.65);
        assertThat(first.maxNumber().doubleValue()).isEqualTo(2.0);
    }
}
