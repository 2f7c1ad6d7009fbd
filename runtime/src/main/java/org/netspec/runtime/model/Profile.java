package org.netspec.runtime.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall time per layer and per op kind over one or more passes, for finding where a forward pass
 * spends its time ({@code netspec bench --profile}). Not thread-safe: one profile per thread.
 */
public final class Profile {
    /** Total nanoseconds and calls of one layer or op kind. */
    public static final class Entry {
        private final String op;
        private long nanos;
        private long calls;

        Entry(String op) {
            this.op = op;
        }

        public String op() {
            return op;
        }

        public long nanos() {
            return nanos;
        }

        public long calls() {
            return calls;
        }
    }

    private final Map<String, Entry> layers = new LinkedHashMap<>();
    private final Map<String, Entry> ops = new LinkedHashMap<>();

    /** Adds {@code nanos} spent in {@code layer}, an op of kind {@code op} (also for work outside a pass, such as an update). */
    public void add(String layer, String op, long nanos) {
        for (Entry e : new Entry[] {layers.computeIfAbsent(layer, k -> new Entry(op)), ops.computeIfAbsent(op, Entry::new)}) {
            e.nanos += nanos;
            e.calls++;
        }
    }

    /** By layer path in first-run order (unnamed ops such as relu and add under their op name). */
    public Map<String, Entry> layers() {
        return layers;
    }

    /** By op kind: conv, relu, add, maxpool, ... */
    public Map<String, Entry> ops() {
        return ops;
    }
}
