package org.netspec.runtime.model;

/**
 * Builds a model class that NetSpec generated, known only at run time (a class compiled from a
 * spec on the fly, or named in a cluster job), through its builder: {@code builder()},
 * {@code inputShape(int...)}, {@code seed(long)}, {@code build()}.
 */
public final class Generated {
    private Generated() {}

    /** An instance of {@code type} for inputs C x H x W ({@code null}: its declared shape) and a seed. */
    public static Model build(Class<?> type, int[] input, long seed) throws ReflectiveOperationException {
        Object builder = type.getMethod("builder").invoke(null);
        if (input != null) {
            builder = builder.getClass().getMethod("inputShape", int[].class).invoke(builder, (Object) input);
        }
        builder = builder.getClass().getMethod("seed", long.class).invoke(builder, seed);
        return (Model) builder.getClass().getMethod("build").invoke(builder);
    }
}
