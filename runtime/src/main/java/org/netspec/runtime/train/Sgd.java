package org.netspec.runtime.train;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SGD with momentum as PyTorch defines it (no dampening): {@code buf = m*buf + g}, then
 * {@code p -= lr * (g + m*buf)} with Nesterov or {@code p -= lr * buf} without. Weight decay is
 * either L2 (added to the gradient) or decoupled (shrinks the weights directly, as AdamW does).
 */
public final class Sgd implements Optimizer {
    private final double momentum;
    private final boolean nesterov;
    private final double weightDecay;
    private final boolean decoupled;
    private final Map<String, INDArray> buffers = new LinkedHashMap<>();

    public Sgd(double momentum, boolean nesterov, double weightDecay, boolean decoupled) {
        if (momentum < 0 || weightDecay < 0 || nesterov && momentum == 0) {
            throw new IllegalArgumentException("SGD needs momentum >= 0 (> 0 for Nesterov) and weight decay >= 0");
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    public void step(Map<String, INDArray> parameters, Map<String, INDArray> gradients, double lr) {
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null) {
                continue;
            }
            INDArray p = e.getValue();
            boolean decay = weightDecay > 0 && Optimizer.decays(p);
            if (onePass(p, g)) {
                INDArray buf = momentum == 0 ? null : buffers.computeIfAbsent(e.getKey(), k -> zerosLike(p));
                stepFloat(p, g, buf, decay ? weightDecay : 0, lr);
                continue;
            }
            if (decay && decoupled) {
                p.muli(1 - lr * weightDecay);
            }
            INDArray d = decay && !decoupled ? g.add(p.mul(weightDecay)) : g;
            if (momentum > 0) {
                INDArray buf = buffers.get(e.getKey());
                if (buf == null) {
                    buf = d.dup().detach(); // a copy outside the update workspace
                    buffers.put(e.getKey(), buf);
                } else {
                    buf.muli(momentum).addi(d);
                }
                d = nesterov ? d.add(buf.mul(momentum)) : buf;
            }
            p.subi(d.mul(lr));
        }
    }

    /** Whether the update can run as one pass in Java: dense float32 arrays, not views. */
    static boolean onePass(INDArray p, INDArray g) {
        return dense(p) && dense(g) && p.length() == g.length();
    }

    private static boolean dense(INDArray a) {
        return a.dataType() == DataType.FLOAT && !a.isView() && a.ordering() == 'c' && !a.isAttached();
    }

    static INDArray zerosLike(INDArray p) {
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.zeros(p.dataType(), p.shape());
        }
    }

    /**
     * The update in one pass over parameter, gradient and momentum (instead of five array
     * operations, each reading and writing whole tensors, and three temporaries). The same float
     * operations in the same order as the array path; a zero momentum buffer at the first step gives
     * {@code buf = g}, as PyTorch starts it.
     */
    private void stepFloat(INDArray param, INDArray grad, INDArray momentumBuffer, double decay, double lr) {
        FloatBuffer p = param.data().asNioFloat();
        FloatBuffer g = grad.data().asNioFloat();
        FloatBuffer buf = momentumBuffer == null ? null : momentumBuffer.data().asNioFloat();
        float m = (float) momentum;
        float rate = (float) lr;
        float shrink = (float) (1 - lr * decay);
        float l2 = (float) decay;
        boolean shrinks = decay > 0 && decoupled;
        boolean adds = decay > 0 && !decoupled;
        int n = (int) param.length();
        for (int i = 0; i < n; i++) {
            float w = p.get(i);
            if (shrinks) {
                w *= shrink;
            }
            float d = adds ? g.get(i) + w * l2 : g.get(i);
            if (buf != null) {
                float b = buf.get(i) * m + d;
                buf.put(i, b);
                d = nesterov ? d + b * m : b;
            }
            p.put(i, w - d * rate);
        }
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new LinkedHashMap<>();
        buffers.forEach((k, v) -> state.put("momentum." + k, v));
        return state;
    }

    @Override
    public void restore(Map<String, INDArray> saved) {
        buffers.clear();
        saved.forEach((k, v) -> {
            if (!k.startsWith("momentum.")) {
                throw new IllegalArgumentException("SGD has no state '" + k + "'");
            }
            buffers.put(k.substring("momentum.".length()), v.dup().detach());
        });
    }
}
