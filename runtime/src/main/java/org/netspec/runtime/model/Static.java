package org.netspec.runtime.model;

import java.util.ArrayList;
import java.util.List;

/** The language's static functions, for generated code. */
public final class Static {
    private Static() {}

    /** Integer power, as the language's {@code ^}; overflow is an error, not a wrap. */
    public static int pow(int base, int exponent) {
        if (exponent < 0) {
            throw new ArithmeticException("negative exponent " + exponent);
        }
        int result = 1;
        for (int i = 0; i < exponent; i++) {
            result = Math.multiplyExact(result, base);
        }
        return result;
    }

    public static List<Integer> range(int end) {
        return range(0, end);
    }

    public static List<Integer> range(int start, int end) {
        List<Integer> out = new ArrayList<>();
        for (int i = start; i < end; i++) {
            out.add(i);
        }
        return List.copyOf(out);
    }

    public static int min(int... values) {
        int best = values[0];
        for (int v : values) {
            best = Math.min(best, v);
        }
        return best;
    }

    public static int max(int... values) {
        int best = values[0];
        for (int v : values) {
            best = Math.max(best, v);
        }
        return best;
    }

    public static int min(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).min().orElseThrow();
    }

    public static int max(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }
}
