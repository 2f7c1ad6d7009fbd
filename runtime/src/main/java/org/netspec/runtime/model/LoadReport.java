package org.netspec.runtime.model;

import java.util.List;

/**
 * What loading a checkpoint did: how many tensors were copied, which were left as initialised
 * (a new head for another class count), which were adapted (a stem conv summed over its RGB
 * input channels for a 1-channel model), and which checkpoint tensors were ignored
 * ({@code num_batches_tracked}).
 */
public record LoadReport(int loaded, List<String> keptInitialised, List<String> adapted, List<String> ignored) {
    public LoadReport {
        keptInitialised = List.copyOf(keptInitialised);
        adapted = List.copyOf(adapted);
        ignored = List.copyOf(ignored);
    }
}
