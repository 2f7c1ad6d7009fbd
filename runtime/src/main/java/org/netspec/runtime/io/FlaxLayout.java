package org.netspec.runtime.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Flax's checkpoint names and layouts against NetSpec's (PyTorch's). A Flax module path is a
 * NetSpec layer name ({@code ResNetBlock_0.Conv_0}); then
 * {@code params.P.kernel} is {@code P.weight} (conv HWIO to OIHW, dense [in, out] to [out, in]),
 * {@code params.P.scale} a batch norm's {@code P.weight}, {@code params.P.bias} {@code P.bias},
 * {@code batch_stats.P.mean} / {@code .var} {@code P.running_mean} / {@code P.running_var}.
 */
public final class FlaxLayout {
    private FlaxLayout() {}

    /** A view of a Flax checkpoint under NetSpec's names and layouts; other names pass through as they are. */
    public static TensorSource toNetSpec(TensorSource flax) {
        Map<String, String> byNetSpec = new LinkedHashMap<>();
        for (String name : flax.names()) {
            byNetSpec.put(netSpecName(name), name);
        }
        return new TensorSource() {
            @Override
            public Path file() {
                return flax.file();
            }

            @Override
            public Set<String> names() {
                return byNetSpec.keySet();
            }

            @Override
            public long[] shape(String name) throws IOException {
                long[] s = flax.shape(byNetSpec.get(name));
                return isKernel(byNetSpec.get(name)) ? permute(s, s.length == 4 ? HWIO_TO_OIHW : SWAP) : s;
            }

            @Override
            public INDArray read(String name) throws IOException {
                String source = byNetSpec.get(name);
                INDArray a = flax.read(source);
                return isKernel(source) ? a.permute(a.rank() == 4 ? HWIO_TO_OIHW : SWAP).dup('c') : a;
            }

            @Override
            public void close() throws IOException {
                flax.close();
            }
        };
    }

    /**
     * NetSpec's tensors under Flax's names and in Flax's layouts, ready for {@link FlaxMsgpack#write}.
     * {@code state} names the batch-norm statistics.
     */
    public static Map<String, INDArray> toFlax(Map<String, INDArray> tensors, Set<String> state) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> {
            int dot = name.lastIndexOf('.');
            String module = name.substring(0, dot);
            String role = name.substring(dot + 1);
            boolean norm = state.contains(module + ".running_mean");
            String flax = switch (role) {
                case "weight" -> norm ? "params." + module + ".scale" : "params." + module + ".kernel";
                case "running_mean" -> "batch_stats." + module + ".mean";
                case "running_var" -> "batch_stats." + module + ".var";
                default -> "params." + name;
            };
            boolean kernel = role.equals("weight") && !norm && (t.rank() == 4 || t.rank() == 2);
            out.put(flax, kernel ? t.permute(t.rank() == 4 ? OIHW_TO_HWIO : SWAP).dup('c') : t);
        });
        return out;
    }

    private static final int[] HWIO_TO_OIHW = {3, 2, 0, 1};
    private static final int[] OIHW_TO_HWIO = {2, 3, 1, 0};
    private static final int[] SWAP = {1, 0};

    private static boolean isKernel(String flaxName) {
        return flaxName.startsWith("params.") && flaxName.endsWith(".kernel");
    }

    static String netSpecName(String flaxName) {
        String[] collections = {"params.", "batch_stats."};
        for (String c : collections) {
            if (flaxName.startsWith(c)) {
                String rest = flaxName.substring(c.length());
                int dot = rest.lastIndexOf('.');
                if (dot < 0) {
                    return flaxName;
                }
                String module = rest.substring(0, dot);
                String role = switch (rest.substring(dot + 1)) {
                    case "kernel", "scale" -> c.equals("params.") ? "weight" : null;
                    case "bias" -> c.equals("params.") ? "bias" : null;
                    case "mean" -> c.equals("batch_stats.") ? "running_mean" : null;
                    case "var" -> c.equals("batch_stats.") ? "running_var" : null;
                    default -> null;
                };
                return role == null ? flaxName : module + "." + role;
            }
        }
        return flaxName;
    }

    private static long[] permute(long[] shape, int[] order) {
        long[] out = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            out[i] = shape[order[i]];
        }
        return out;
    }
}
