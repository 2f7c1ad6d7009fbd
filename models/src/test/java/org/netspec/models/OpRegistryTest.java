package org.netspec.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.dsl.ops.Op;
import org.netspec.dsl.ops.OpRegistry;
import org.netspec.runtime.model.Builder;
import org.netspec.runtime.model.Context;
import org.netspec.runtime.model.GradientCheckTest;
import org.netspec.runtime.model.Layer;
import org.netspec.runtime.model.Parameters;
import org.netspec.runtime.model.Shape;
import org.netspec.runtime.model.Tape;

/**
 * The op registry (the front end's list of ops) against the runtime: every op has the method
 * generated code will call, with the registry's arguments and return type, and the runtime's
 * gradient check exercises every op's backward. A mismatch fails here, not in a user's javac.
 */
class OpRegistryTest {

    static Iterable<Op> ops() {
        return OpRegistry.OPS.values();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void everyOpHasTheRuntimeMethodGeneratedCodeCalls(Op op) {
        switch (op.kind()) {
            case LAYER -> {
                // b.conv(name, input shape, then the registry's parameters in order)
                Method m = method(Builder.class, op.runtimeMethod(), 2 + op.params().size());
                assertThat(m.getParameterTypes()[0]).isEqualTo(String.class);
                assertThat(m.getParameterTypes()[1]).isEqualTo(Shape.class);
                assertThat(m.getReturnType().getSimpleName()).isEqualTo(op.runtimeType());
                assertThat(Layer.class).isAssignableFrom(m.getReturnType());
                assertThat(Modifier.isPublic(m.getReturnType().getModifiers())).isTrue();
            }
            case ACTIVATION -> assertThat(method(Context.class, op.runtimeMethod(), 1).getParameterTypes())
                    .containsExactly(INDArray.class);
            case BINARY -> {
                assertThat(method(Context.class, op.runtimeMethod(), 2).getParameterTypes())
                        .containsExactly(INDArray.class, INDArray.class);
                Method shape = method(Shape.class, op.runtimeMethod(), 2); // while building: Shape.add(a, b)
                assertThat(Modifier.isStatic(shape.getModifiers())).isTrue();
            }
            default -> throw new AssertionError(op.kind());
        }
        assertThat(op.inputs()).isEqualTo(op.kind() == Op.Kind.BINARY ? 2 : 1);
    }

    private static Method method(Class<?> type, String name, int arity) {
        return Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(name) && m.getParameterCount() == arity)
                .findFirst().orElseThrow(() -> new AssertionError(type.getSimpleName() + " has no public method "
                        + name + " with " + arity + " parameters"));
    }

    @Test
    void theGradientCheckCoversEveryOp() {
        Set<String> checked = new TreeSet<>();
        GradientCheckTest.nets().forEach(net -> {
            Layer layer = net.build().apply(new Builder(new Parameters(3, DataType.DOUBLE)), net.input());
            Tape tape = new Tape();
            net.ops().apply(layer, Nd4j.rand(DataType.DOUBLE, net.input().batch(2)), Context.training(tape).seeded(1));
            checked.addAll(tape.ops());
        });
        Set<String> missing = new TreeSet<>(OpRegistry.OPS.keySet());
        missing.removeAll(checked);
        // identity returns its input: there is no backward step to check
        assertThat(missing).containsExactly("identity");
    }
}
