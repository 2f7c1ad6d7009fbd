package org.netspec.dsl.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.netspec.dsl.diag.Code;
import org.netspec.dsl.ir.Shape;
import org.netspec.dsl.ir.Tensor;

/**
 * One use of an op in an elaborated network, as its shape rule sees it: the layer's full name,
 * its arguments (plain Java values, defaults filled in) and input shapes. The rule records the
 * layer's tensors, its multiply-accumulates and any argument it resolves (explicit pads).
 */
public final class Application {
    private final String layer;
    private final Map<String, Object> attributes;
    private final List<Shape> inputs;
    private final List<String> operands;
    private final List<Tensor> tensors = new ArrayList<>();
    private long params;
    private long macs;

    public Application(String layer, Map<String, Object> args, List<Shape> inputs) {
        this(layer, args, inputs, List.of());
    }

    /** {@code operands}: the inputs as the spec writes them ({@code y}, {@code shortcut}), or empty. */
    public Application(String layer, Map<String, Object> args, List<Shape> inputs, List<String> operands) {
        this.layer = layer;
        this.attributes = new LinkedHashMap<>(args);
        this.inputs = List.copyOf(inputs);
        this.operands = List.copyOf(operands);
    }

    /** Input {@code i} for a message: {@code `shortcut` (64x56x56)}, or its shape when not written as an operand. */
    public String describe(int i) {
        return i < operands.size() ? "`" + operands.get(i) + "` (" + inputs.get(i) + ")" : inputs.get(i).toString();
    }

    public Shape input() {
        return inputs.get(0);
    }

    public Shape input(int i) {
        return inputs.get(i);
    }

    public boolean has(String name) {
        return attributes.containsKey(name);
    }

    public long integer(String name) {
        return ((Number) attributes.get(name)).longValue();
    }

    public double real(String name) {
        return ((Number) attributes.get(name)).doubleValue();
    }

    public boolean flag(String name) {
        return (Boolean) attributes.get(name);
    }

    @SuppressWarnings("unchecked")
    public List<Integer> size(String name) {
        return (List<Integer>) attributes.get(name);
    }

    public Object get(String name) {
        return attributes.get(name);
    }

    /** Replaces an argument by what it resolves to (pads for {@code same}), for later stages. */
    public void resolve(String name, Object value) {
        attributes.put(name, value);
    }

    /** Declares a trained tensor {@code layer.role}; its elements count as parameters. */
    public void parameter(String role, Integer... shape) throws OpException {
        Tensor t = new Tensor(layer + "." + role, List.of(shape), Tensor.Kind.PARAMETER);
        tensors.add(t);
        params = add(params, exactProduct(List.of(shape)));
    }

    /** Declares a state tensor (running statistics) {@code layer.role}. */
    public void state(String role, Integer... shape) {
        tensors.add(new Tensor(layer + "." + role, List.of(shape), Tensor.Kind.STATE));
    }

    public void macs(long... factors) throws OpException {
        long product = 1;
        for (long f : factors) {
            product = multiply(product, f);
        }
        macs = add(macs, product);
    }

    /** Requires a CxHxW input. */
    public Shape spatialInput(String op) throws OpException {
        if (!input().isSpatial()) {
            throw new OpException(Code.NS045, op + " needs a CxHxW input, got " + input());
        }
        return input();
    }

    public Map<String, Object> attributes() {
        return attributes;
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    public long params() {
        return params;
    }

    public long macs() {
        return macs;
    }

    private static long exactProduct(List<Integer> dims) throws OpException {
        long p = 1;
        for (int d : dims) {
            p = multiply(p, d);
        }
        return p;
    }

    // counts must stay exact: a huge shape gets a diagnostic, never a negative count
    private static long multiply(long a, long b) throws OpException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw tooLarge();
        }
    }

    private static long add(long a, long b) throws OpException {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw tooLarge();
        }
    }

    static OpException tooLarge() {
        return new OpException(Code.NS052,
                "network too large: its parameter or multiply-accumulate count exceeds 2^63");
    }
}
