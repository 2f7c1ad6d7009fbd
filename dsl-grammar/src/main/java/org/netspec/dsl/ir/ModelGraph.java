package org.netspec.dsl.ir;

import java.util.List;

/**
 * A model elaborated for one input shape: every loop expanded, every shape known, every
 * parameter counted. This is what summaries, graphs, interpreters and the code generator's
 * build-time constants are computed from; no syntax-tree type is reachable from here.
 */
public record ModelGraph(String model, String network, Shape input, List<Layer> layers,
                         List<BlockInstance> blocks, int output) {
    public ModelGraph {
        layers = List.copyOf(layers);
        blocks = List.copyOf(blocks);
    }

    public long params() {
        return layers.stream().mapToLong(Layer::params).sum();
    }

    public long macs() {
        return layers.stream().mapToLong(Layer::macs).sum();
    }

    public Shape outputShape() {
        return output == 0 ? input : layers.stream().filter(l -> l.id() == output).findFirst().orElseThrow().output();
    }

    public List<Tensor> tensors() {
        return layers.stream().flatMap(l -> l.tensors().stream()).toList();
    }
}
