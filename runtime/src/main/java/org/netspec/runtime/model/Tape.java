package org.netspec.runtime.model;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reverse-mode record of one training forward pass. Each op that runs in a training
 * {@link Context} records its output, its inputs and how to turn the output's gradient into
 * theirs (and into its parameters' gradients). {@link #backward} replays the record in reverse,
 * dropping each step — and the activations only it kept alive — as soon as it has run.
 *
 * <p>Why a tape rather than a generated backward pass: the generated forward code stays the only
 * description of the network (conditionals and loops included), every op's gradient lives next
 * to its forward in one place, and the same mechanism serves interpreted models.
 */
public final class Tape {
    /** Turns the gradient of an op's output into gradients of its inputs (in input order). */
    interface Backward {
        INDArray[] apply(INDArray gradOutput, Map<String, INDArray> parameterGradients);
    }

    private record Step(String op, INDArray output, INDArray[] inputs, Backward backward) {}

    private final List<Step> steps = new ArrayList<>();
    /** Every recorded output, so that an op can tell a network input (whose gradient nobody needs). */
    private final java.util.Set<INDArray> outputs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Profile profile;

    public Tape() {
        this(null);
    }

    /** A tape that times each backward step into {@code profile} (under "op backward"). */
    public Tape(Profile profile) {
        this.profile = profile;
    }

    void record(String op, INDArray output, INDArray[] inputs, Backward backward) {
        for (INDArray in : inputs) {
            if (in == output) {
                return; // a pass-through (identity, dropout off): nothing to differentiate
            }
        }
        steps.add(new Step(op, output, inputs, backward));
        outputs.add(output);
    }

    public int size() {
        return steps.size();
    }

    /** The ops recorded so far, in order (what a backward pass will differentiate). */
    public List<String> ops() {
        return steps.stream().map(Step::op).toList();
    }

    /**
     * Back-propagates {@code gradOutput} (the loss's gradient with respect to {@code output}) and
     * returns the gradient of every parameter that took part, by checkpoint name.
     */
    public Map<String, INDArray> backward(INDArray output, INDArray gradOutput) {
        Map<INDArray, INDArray> grads = new IdentityHashMap<>();
        grads.put(output, gradOutput);
        Map<String, INDArray> parameterGradients = new LinkedHashMap<>();
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step step = steps.remove(i);
            INDArray g = grads.remove(step.output());
            if (g == null) {
                continue; // this value did not reach the loss
            }
            long start = profile == null ? 0 : System.nanoTime();
            INDArray[] inputGrads = step.backward().apply(g, parameterGradients);
            if (profile != null) {
                profile.add(step.op() + " backward", step.op() + " backward", System.nanoTime() - start);
            }
            for (int k = 0; k < step.inputs().length; k++) {
                if (inputGrads[k] == null) {
                    continue;
                }
                INDArray previous = grads.get(step.inputs()[k]);
                grads.put(step.inputs()[k], previous == null ? inputGrads[k] : previous.add(inputGrads[k]));
            }
        }
        return parameterGradients;
    }

    /** Whether {@code x} came from outside the recorded ops (the network input): no gradient flows to it. */
    boolean isLeaf(INDArray x) {
        return !outputs.contains(x);
    }

    static void accumulate(Map<String, INDArray> into, String name, INDArray grad) {
        INDArray previous = into.get(name);
        into.put(name, previous == null ? grad : previous.add(grad));
    }
}
