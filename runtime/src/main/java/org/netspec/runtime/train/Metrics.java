package org.netspec.runtime.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Top-k accuracy counts. */
public final class Metrics {
    private Metrics() {}

    /** How many rows of {@code logits} rank their label among the {@code k} highest scores. */
    public static long correct(INDArray logits, INDArray labels, int k) {
        long hits = 0;
        for (int i = 0; i < logits.size(0); i++) {
            INDArray row = logits.getRow(i);
            double target = row.getDouble(labels.getLong(i));
            int higher = 0;
            for (int c = 0; c < row.length(); c++) {
                if (row.getDouble(c) > target) {
                    higher++;
                }
            }
            if (higher < k) {
                hits++;
            }
        }
        return hits;
    }
}
