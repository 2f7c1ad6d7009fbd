package org.netspec.runtime.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** AdamW (Loshchilov and Hutter): Adam moments with bias correction and decoupled weight decay. */
public final class AdamW implements Optimizer {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final Map<String, INDArray> first = new LinkedHashMap<>();
    private final Map<String, INDArray> second = new LinkedHashMap<>();
    private long steps;

    public AdamW(double beta1, double beta2, double epsilon, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(Map<String, INDArray> parameters, Map<String, INDArray> gradients, double lr) {
        steps++;
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2 = 1 - Math.pow(beta2, steps);
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            INDArray g = gradients.get(e.getKey());
            if (g == null) {
                continue;
            }
            INDArray p = e.getValue();
            if (weightDecay > 0 && Optimizer.decays(p)) {
                p.muli(1 - lr * weightDecay);
            }
            INDArray m = first.computeIfAbsent(e.getKey(), k -> Nd4j.zerosLike(p).detach());
            INDArray v = second.computeIfAbsent(e.getKey(), k -> Nd4j.zerosLike(p).detach());
            m.muli(beta1).addi(g.mul(1 - beta1));
            v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
            INDArray denominator = Transforms.sqrt(v.div(correction2), false).addi(epsilon);
            p.subi(m.div(correction1).divi(denominator).muli(lr));
        }
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new LinkedHashMap<>();
        first.forEach((k, v) -> state.put("adam_m." + k, v));
        second.forEach((k, v) -> state.put("adam_v." + k, v));
        state.put("adam_steps", Nd4j.scalar((double) steps));
        return state;
    }

    @Override
    public void restore(Map<String, INDArray> saved) {
        first.clear();
        second.clear();
        saved.forEach((k, v) -> {
            if (k.startsWith("adam_m.")) {
                first.put(k.substring(7), v.dup().detach());
            } else if (k.startsWith("adam_v.")) {
                second.put(k.substring(7), v.dup().detach());
            } else if (k.equals("adam_steps")) {
                steps = (long) v.getDouble(0);
            } else {
                throw new IllegalArgumentException("AdamW has no state '" + k + "'");
            }
        });
    }
}
