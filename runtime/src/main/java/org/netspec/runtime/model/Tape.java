package org.netspec.runtime.model;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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

    /**
     * {@code reusable}: the output is a new array that the step's backward does not read, so once no
     * other step reads it, its memory may take another value ({@link #mayOverwrite}).
     */
    private record Step(String op, INDArray output, INDArray[] inputs, Backward backward, boolean reusable) {}

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
        record(op, output, inputs, backward, false);
    }

    /** {@link #record}, for an op whose output is a new array its backward does not read (a norm's). */
    void recordReusable(String op, INDArray output, INDArray[] inputs, Backward backward) {
        record(op, output, inputs, backward, true);
    }

    private void record(String op, INDArray output, INDArray[] inputs, Backward backward, boolean reusable) {
        for (INDArray in : inputs) {
            if (in == output) {
                return; // a pass-through (identity, dropout off): nothing to differentiate
            }
        }
        steps.add(new Step(op, output, inputs, backward, reusable));
        outputs.add(output);
    }

    public int size() {
        return steps.size();
    }

    /**
     * Whether {@code x}'s memory may take another value: x is the output of a step recorded at or
     * after index {@code since} whose backward does not read it, and no step recorded so far reads
     * it (nor a view of it). The caller vouches that no code after it reads x either.
     */
    boolean mayOverwrite(INDArray x, int since) {
        boolean produced = false;
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step step = steps.get(i);
            if (step.output() == x) {
                produced = i >= since && step.reusable();
            } else if (GradientBuffers.overlap(step.output(), x)) {
                return false;
            }
            for (INDArray in : step.inputs()) {
                if (in == x || GradientBuffers.overlap(in, x)) {
                    return false;
                }
            }
        }
        return produced;
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
        return backward(output, gradOutput, new GradientBuffers());
    }

    /**
     * Each step runs in a scratch workspace that is emptied as soon as the step has run: what an
     * op computes on the way (re-laid-out weights, masks, partial sums) is gone before the next
     * step. The gradients that outlive the step live in {@code buffers} until the step of the
     * value they belong to has read them; parameter gradients are moved out of any workspace.
     */
    Map<String, INDArray> backward(INDArray output, INDArray gradOutput, GradientBuffers buffers) {
        GradientBuffers outer = RUNNING.get();
        RUNNING.set(buffers);
        try {
            return run(output, gradOutput, buffers);
        } finally {
            RUNNING.set(outer);
        }
    }

    /** The buffers of the backward pass running on this thread, for ops to write gradients into. */
    private static final ThreadLocal<GradientBuffers> RUNNING = new ThreadLocal<>();

    /**
     * An array for an op's backward to write an input's gradient into: a pooled buffer while a
     * backward pass runs (which then needs no copy), else a plain array.
     */
    static INDArray gradientArray(DataType type, long[] shape) {
        GradientBuffers buffers = RUNNING.get();
        return buffers != null ? buffers.take(type, shape) : Nd4j.createUninitialized(type, shape, 'c');
    }

    /**
     * An array for an op's backward to write a parameter's gradient into: outside any workspace,
     * so that the pass hands it out without a copy.
     */
    static INDArray parameterGradientArray(DataType type, long[] shape) {
        GradientBuffers buffers = RUNNING.get();
        if (buffers != null) {
            return buffers.parameterArray(type, shape);
        }
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.createUninitialized(type, shape, 'c');
        }
    }

    /**
     * {@code g} itself when the running backward step is its only holder and may overwrite it, else
     * a new array of its shape to write into.
     */
    static INDArray writableGradient(INDArray g) {
        GradientBuffers buffers = RUNNING.get();
        return buffers != null && buffers.exclusive(g) ? g : gradientArray(g.dataType(), g.shape());
    }

    private Map<String, INDArray> run(INDArray output, INDArray gradOutput, GradientBuffers buffers) {
        try {
            return run(output, gradOutput, buffers, deadAfter(output));
        } finally {
            buffers.endPass();
        }
    }

    /** An array a step names, its bytes, and the lowest step index that names its memory. */
    private static final class Span {
        final INDArray array;
        final long start;
        final long end;
        int last;

        Span(INDArray array, int step) {
            this.array = array;
            this.start = array.data().addressPointer().address(); // a view's buffer starts at its first value
            this.end = start + array.length() * array.dataType().width();
            this.last = step;
        }
    }

    /**
     * For each step, the activations whose memory no step before it names: once backward has run
     * that step, their memory can hold gradients ({@link GradientBuffers#lend}). Only dense arrays
     * of the running pass's workspace qualify, made by a recorded op, and not the output (which the
     * caller still reads); memory that several arrays share counts as one, dead when the last of them
     * is read, and arrays that overlap only in part are left alone.
     */
    private List<List<INDArray>> deadAfter(INDArray output) {
        List<List<INDArray>> dead = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            dead.add(new ArrayList<>());
        }
        MemoryWorkspace pass = Nd4j.getMemoryManager().getCurrentWorkspace();
        if (pass == null) {
            return dead;
        }
        Map<INDArray, Span> named = new IdentityHashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            final int at = i; // ascending: the first step that names an array is the last to read it
            Step step = steps.get(i);
            named.computeIfAbsent(step.output(), a -> new Span(a, at));
            for (INDArray in : step.inputs()) {
                named.computeIfAbsent(in, a -> new Span(a, at));
            }
        }
        List<Span> spans = new ArrayList<>(named.values());
        spans.sort(java.util.Comparator.comparingLong((Span sp) -> sp.start).thenComparingLong(sp -> -sp.end));
        for (int from = 0; from < spans.size(); ) {
            // a group: spans that overlap one another, transitively
            int to = from + 1;
            long end = spans.get(from).end;
            while (to < spans.size() && spans.get(to).start < end) {
                end = Math.max(end, spans.get(to).end);
                to++;
            }
            List<Span> group = spans.subList(from, to);
            Span first = group.get(0);
            boolean reusable = true;
            int last = Integer.MAX_VALUE;
            for (Span sp : group) {
                INDArray a = sp.array;
                last = Math.min(last, sp.last);
                reusable &= sp.start == first.start && sp.end == first.end && a != output && !isLeaf(a)
                        && a.ordering() == 'c' && a.elementWiseStride() == 1 && a.isAttached()
                        && a.data().getParentWorkspace() == pass;
            }
            if (reusable && first.end > first.start) {
                dead.get(last).add(first.array);
            }
            from = to;
        }
        return dead;
    }

    private Map<String, INDArray> run(INDArray output, INDArray gradOutput, GradientBuffers buffers,
            List<List<INDArray>> deadAfter) {
        Map<INDArray, INDArray> grads = new IdentityHashMap<>();
        grads.put(output, buffers.copy(gradOutput));
        buffers.drainTaken();
        Map<String, INDArray> parameterGradients = new LinkedHashMap<>();
        java.util.Set<INDArray> kept = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step step = steps.remove(i);
            INDArray g = grads.remove(step.output());
            if (g == null) {
                deadAfter.get(i).forEach(buffers::lend);
                continue; // this value did not reach the loss
            }
            boolean moved = false;
            try (MemoryWorkspace scratch = Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCRATCH, "netspec-backward")) {
                long start = profile == null ? 0 : System.nanoTime();
                INDArray[] inputGrads = step.backward().apply(g, parameterGradients);
                if (profile != null) {
                    profile.add(step.op() + " backward", step.op() + " backward", System.nanoTime() - start);
                }
                java.util.Set<INDArray> assigned = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
                for (int k = 0; k < step.inputs().length; k++) {
                    INDArray r = inputGrads[k];
                    if (r == null) {
                        continue;
                    }
                    if (r == g && !moved) {
                        moved = true; // passed through unchanged (an add): g becomes the input's gradient
                    } else if (r == g || buffers.owns(r) && (assigned.contains(r) || !buffers.takenSinceDrain(r))) {
                        r = buffers.share(r); // the same gradient for another input
                    } else if (!buffers.owns(r)) {
                        r = buffers.copy(r); // the op's own array (or a view of g): into a buffer
                    }
                    assigned.add(r);
                    INDArray input = step.inputs()[k];
                    INDArray previous = grads.get(input);
                    if (previous == null) {
                        grads.put(input, r);
                    } else if (buffers.exclusive(previous) && previous != r) {
                        previous.addi(r);
                        buffers.release(r);
                    } else {
                        // shared with another value's gradient: the sum goes into a buffer of its own
                        INDArray sum = buffers.copy(previous);
                        sum.addi(r);
                        buffers.release(previous);
                        buffers.release(r);
                        grads.put(input, sum);
                    }
                }
                for (INDArray t : buffers.drainTaken()) {
                    if (!holds(grads, t)) {
                        buffers.release(t); // taken by the op but not a gradient that lives on
                    }
                }
                for (Map.Entry<String, INDArray> e : parameterGradients.entrySet()) {
                    INDArray v = e.getValue();
                    if (!kept.contains(v)) {
                        // out of the scratch workspace, and never one of the buffers that go back to the pool
                        INDArray detached = buffers.isParameterArray(v) ? v : v.isAttached() ? v.detach() : detachedCopy(v);
                        e.setValue(detached);
                        kept.add(detached);
                    }
                }
            }
            if (!moved) {
                buffers.release(g);
            }
            deadAfter.get(i).forEach(buffers::lend);
        }
        return parameterGradients;
    }

    private static boolean holds(Map<INDArray, INDArray> grads, INDArray buffer) {
        for (INDArray g : grads.values()) {
            if (g == buffer) {
                return true;
            }
        }
        return false;
    }

    private static INDArray detachedCopy(INDArray v) {
        try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return v.dup();
        }
    }

    /**
     * A step's temporaries: learnt from the first steps, grown when a later step needs more
     * (spilled allocations are freed when the step ends).
     */
    static final WorkspaceConfiguration SCRATCH = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).policySpill(SpillPolicy.REALLOCATE).build();

    /** Whether {@code x} came from outside the recorded ops (the network input): no gradient flows to it. */
    boolean isLeaf(INDArray x) {
        return !outputs.contains(x);
    }

    static void accumulate(Map<String, INDArray> into, String name, INDArray grad) {
        INDArray previous = into.get(name);
        into.put(name, previous == null ? grad : previous.add(grad));
    }
}
