package org.netspec.runtime.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arguments of a block as a spec passes them: positional, then keyword. A block's generated
 * {@code create} reads them by position or name and fills in its defaults. Immutable.
 */
public final class Args {
    private final List<Object> positional;
    private final Map<String, Object> named;

    private Args(List<Object> positional, Map<String, Object> named) {
        this.positional = positional;
        this.named = named;
    }

    public static Args of(Object... positional) {
        return new Args(List.of(positional), Map.of());
    }

    public static Args named(Map<String, ?> values) {
        return new Args(List.of(), java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values)));
    }

    public Args with(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(named);
        copy.put(name, value);
        return new Args(positional, java.util.Collections.unmodifiableMap(copy));
    }

    /** These arguments followed by {@code later}'s; binding one parameter twice is an error. */
    public Args then(Args later) {
        List<Object> pos = new ArrayList<>(positional);
        pos.addAll(later.positional);
        Map<String, Object> copy = new LinkedHashMap<>(named);
        copy.putAll(later.named);
        return new Args(List.copyOf(pos), java.util.Collections.unmodifiableMap(copy));
    }

    /**
     * Checks the arguments against the block's parameter names: not too many positional ones,
     * no unknown or doubly given keyword.
     */
    public void check(String block, String... parameters) {
        if (positional.size() > parameters.length) {
            throw new IllegalArgumentException(block + " takes " + parameters.length + " arguments, got "
                    + positional.size());
        }
        List<String> known = Arrays.asList(parameters);
        for (String name : named.keySet()) {
            int at = known.indexOf(name);
            if (at < 0) {
                throw new IllegalArgumentException(block + " has no parameter '" + name + "'; it has " + known);
            }
            if (at < positional.size()) {
                throw new IllegalArgumentException("argument '" + name + "' of " + block + " is given twice");
            }
        }
    }

    public boolean has(int index, String name) {
        return index < positional.size() || named.containsKey(name);
    }

    private Object get(int index, String name) {
        if (index < positional.size()) {
            return positional.get(index);
        }
        if (!named.containsKey(name)) {
            throw new IllegalArgumentException("missing argument '" + name + "'");
        }
        return named.get(name);
    }

    private <T> T typed(int index, String name, Class<T> type, String spelling) {
        Object v = get(index, name);
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("argument '" + name + "' must be " + spelling + ", got "
                    + (v == null ? "null" : v.getClass().getSimpleName()));
        }
        return type.cast(v);
    }

    public int intArg(int index, String name) {
        return typed(index, name, Integer.class, "int");
    }

    public double floatArg(int index, String name) {
        Object v = get(index, name);
        if (v instanceof Integer i) {
            return i;
        }
        return typed(index, name, Double.class, "float");
    }

    public boolean boolArg(int index, String name) {
        return typed(index, name, Boolean.class, "bool");
    }

    public String stringArg(int index, String name) {
        return typed(index, name, String.class, "string");
    }

    public Size sizeArg(int index, String name) {
        Object v = get(index, name);
        return v instanceof Integer i ? Size.of(i) : typed(index, name, Size.class, "size");
    }

    public Padding paddingArg(int index, String name) {
        Object v = get(index, name);
        if (v instanceof Integer i) {
            return Padding.of(i);
        }
        if (v instanceof Size s) {
            return Padding.of(s);
        }
        return typed(index, name, Padding.class, "padding");
    }

    public Init initArg(int index, String name) {
        return typed(index, name, Init.class, "init");
    }

    public BlockFactory blockArg(int index, String name) {
        return typed(index, name, BlockFactory.class, "block");
    }

    @SuppressWarnings("unchecked")
    public List<Integer> intListArg(int index, String name) {
        List<?> list = typed(index, name, List.class, "int[]");
        for (Object item : list) {
            if (!(item instanceof Integer)) {
                throw new IllegalArgumentException("argument '" + name + "' must be int[], got an item " + item);
            }
        }
        return (List<Integer>) list;
    }

    @SuppressWarnings("unchecked")
    public List<Double> floatListArg(int index, String name) {
        List<?> list = typed(index, name, List.class, "float[]");
        return list.stream().map(v -> v instanceof Integer i ? (double) i : (Double) v).toList();
    }

    @SuppressWarnings("unchecked")
    public List<Boolean> boolListArg(int index, String name) {
        return (List<Boolean>) typed(index, name, List.class, "bool[]");
    }

    @Override
    public String toString() {
        return "Args" + positional + named;
    }
}
