package org.netspec.runtime.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every tensor of a model under its checkpoint name, in PyTorch's layout (conv weights OIHW,
 * dense weights [out, in]) so that checkpoints and torchvision state_dicts line up. Trainable
 * parameters and batch-norm statistics are kept apart, as Flax keeps {@code params} and
 * {@code batch_stats}. Initial values depend only on the seed and the tensor's name, so adding a
 * layer does not change the others' initial weights.
 */
public final class Parameters {
    private final long seed;
    private final DataType dataType;
    private final Map<String, INDArray> parameters = new LinkedHashMap<>();
    private final Map<String, INDArray> state = new LinkedHashMap<>();

    public Parameters(long seed) {
        this(seed, DataType.FLOAT);
    }

    /** Float32 for real work; float64 for gradient checks. */
    public Parameters(long seed, DataType dataType) {
        this.seed = seed;
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    private volatile long version;

    /** Counts changes to the values; layers that cache derived weights (folded norms) compare it. */
    public long version() {
        return version;
    }

    /** Marks the values as changed: loading and optimizer steps call this. */
    public void touch() {
        version++;
    }

    public Map<String, INDArray> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    public Map<String, INDArray> state() {
        return Collections.unmodifiableMap(state);
    }

    /** Parameters and state together, as a checkpoint holds them. */
    public Map<String, INDArray> all() {
        Map<String, INDArray> all = new LinkedHashMap<>(parameters);
        all.putAll(state);
        return Collections.unmodifiableMap(all);
    }

    public long parameterCount() {
        return parameters.values().stream().mapToLong(INDArray::length).sum();
    }

    INDArray normal(String name, long[] shape, double std) {
        SplittableRandom random = random(name);
        float[] values = new float[Math.toIntExact(count(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (gaussian(random) * std);
        }
        return register(parameters, name, Nd4j.create(values, shape, 'c').castTo(dataType));
    }

    INDArray uniform(String name, long[] shape, double bound) {
        SplittableRandom random = random(name);
        float[] values = new float[Math.toIntExact(count(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return register(parameters, name, Nd4j.create(values, shape, 'c').castTo(dataType));
    }

    INDArray constant(String name, long[] shape, double value) {
        return register(parameters, name, Nd4j.valueArrayOf(shape, value, dataType));
    }

    INDArray stateConstant(String name, long[] shape, double value) {
        return register(state, name, Nd4j.valueArrayOf(shape, value, dataType));
    }

    private static INDArray register(Map<String, INDArray> into, String name, INDArray value) {
        if (into.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' is registered twice");
        }
        INDArray detached = value.detach();
        into.put(name, detached);
        return detached;
    }

    private SplittableRandom random(String name) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode() * 0xC2B2AE3D27D4EB4FL);
    }

    /** Box-Muller; deterministic across JVMs, unlike ThreadLocalRandom. */
    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
