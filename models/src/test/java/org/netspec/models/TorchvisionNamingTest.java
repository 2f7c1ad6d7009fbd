package org.netspec.models;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.netspec.dsl.Frontend;
import org.netspec.dsl.Program;
import org.netspec.dsl.ir.ModelGraph;
import org.netspec.dsl.ir.Shape;
import org.netspec.dsl.ir.Tensor;

/**
 * The layer names of resnet.net are torchvision's state_dict names, one to one: the tensors of
 * the elaborated model equal the keys and shapes of torchvision checkpoints (less
 * {@code num_batches_tracked}, which NetSpec does not keep).
 */
class TorchvisionNamingTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "resnet18_w16_c10.safetensors|ResNet(block: BasicBlock, stages: [2, 2, 2, 2], filters: 16, classes: 10)",
            "resnet50_w16_c10.safetensors|ResNet(block: Bottleneck, stages: [3, 4, 6, 3], filters: 16, classes: 10)"})
    void namesAndShapesMatchTorchvision(String fixture, String call) throws IOException {
        Program program = Frontend.load(List.of(Path.of("src/main/net/resnet.net")), getClass().getClassLoader());
        ModelGraph graph = program.elaborate(call, Optional.of(Shape.chw(3, 64, 64))).orElseThrow();
        Map<String, List<Integer>> ours = new TreeMap<>();
        for (Tensor t : graph.tensors()) {
            ours.put(t.name(), t.shape());
        }
        Map<String, List<Integer>> theirs = new TreeMap<>(header(fixtures().resolve(fixture)));
        theirs.keySet().removeIf(name -> name.endsWith(".num_batches_tracked"));
        assertThat(ours).isEqualTo(theirs);
    }

    static Path fixtures() {
        return Path.of(System.getProperty("netspec.fixtures", "../../shared/fixtures"));
    }

    /** Tensor names and shapes from a safetensors header (8-byte length, then JSON). */
    static Map<String, List<Integer>> header(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            long length = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(length).isBetween(2L, 10_000_000L);
            JsonNode json = new ObjectMapper().readTree(in.readNBytes((int) length));
            Map<String, List<Integer>> shapes = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : json.properties()) {
                if (!e.getKey().equals("__metadata__")) {
                    List<Integer> shape = new ArrayList<>();
                    e.getValue().get("shape").forEach(d -> shape.add(d.asInt()));
                    shapes.put(e.getKey(), shape);
                }
            }
            return shapes;
        }
    }
}
