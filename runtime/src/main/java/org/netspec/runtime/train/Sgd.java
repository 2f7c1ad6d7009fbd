package org.netspec.runtime.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

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
