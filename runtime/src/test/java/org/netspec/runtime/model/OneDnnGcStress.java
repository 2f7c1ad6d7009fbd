package org.netspec.runtime.model;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN training passes outside any workspace while another thread collects garbage
 * continuously: every temporary oneDNN reads or writes (dense copies, scratchpads) must stay
 * reachable until the primitive is done, or its buffer is freed under it and the JVM crashes
 * (the SIGSEGV in ConvBackward.gradWeights once seen in the suite). Run by {@link OneDnnGcStressTest}.
 *
 * <p>{@code OneDnnGcStress SECONDS}
 */
public final class OneDnnGcStress {
    private OneDnnGcStress() {}

    public static void main(String[] args) throws Exception {
        long until = System.nanoTime() + (long) (Double.parseDouble(args[0]) * 1e9);
        Thread collector = new Thread(() -> {
            while (true) {
                System.gc(); // a collection every few milliseconds, so passes still run between them
                try {
                    Thread.sleep(3);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        collector.setDaemon(true);
        collector.start();
        Builder b = new Builder(new Parameters(1));
        Shape in = Shape.of(16, 48, 48); // buffers above malloc's mmap threshold: freed means unmapped
        Conv conv = b.conv("c", in, 32, Size.of(3), Size.of(1), Padding.of(1), Size.of(1), 1, true);
        BatchNorm norm = b.batchnorm("bn", conv.output(), 0.1, 1e-5, Init.ONES, false);
        Conv second = b.conv("d", norm.output(), 32, Size.of(3), Size.of(2), Padding.of(1), Size.of(1), 1, false);
        long passes = 0;
        while (System.nanoTime() < until) {
            // a view, so that the conv reads a dense copy nothing else refers to
            INDArray x = Nd4j.rand(DataType.FLOAT, 8, 48, 48, 32).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 16));
            Tape tape = new Tape();
            Context ctx = Context.training(tape);
            INDArray y = second.forward(ctx.relu(norm.forward(conv.forward(x, ctx), ctx)), ctx);
            Map<String, INDArray> grads = tape.backward(y, Nd4j.onesLike(y));
            if (grads.size() != 5) {
                throw new AssertionError("gradients of " + grads.keySet());
            }
            passes++;
        }
        System.out.println("passes: " + passes);
    }
}
