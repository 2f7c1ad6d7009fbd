package org.netspec.runtime.model;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Inverted dropout: in training each value zeroed with probability {@code rate}, the rest scaled by 1 / (1 - rate). */
public final class Dropout extends RandomMaskLayer {
    Dropout(String path, Shape output, double rate, long seed) {
        super(path, output, rate, seed);
    }

    @Override
    String op() {
        return "dropout";
    }

    @Override
    INDArray mask(INDArray x, SplittableRandom random) {
        float[] mask = new float[Math.toIntExact(x.length())];
        float keep = (float) (1 / (1 - rate));
        for (int i = 0; i < mask.length; i++) {
            mask[i] = random.nextDouble() < rate ? 0 : keep;
        }
        return Nd4j.create(mask, x.shape(), 'c').castTo(x.dataType());
    }

    @Override
    INDArray times(INDArray v, INDArray mask) {
        return v.mul(mask);
    }
}
