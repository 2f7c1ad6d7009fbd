package org.netspec.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.netspec.runtime.model.GradientCheckTest.Net;
import org.netspec.runtime.onnx.ModelInfo;
import org.netspec.runtime.onnx.OnnxExporter;
import org.netspec.runtime.onnx.OnnxOptions;
import org.netspec.runtime.onnx.OnnxRuntimeRunner;
import org.netspec.runtime.trace.Trace;

/**
 * Every op the runtime has, exported to ONNX and run by ONNX Runtime, gives the runtime's own
 * evaluation output (1e-4 relative) — traced at batch 1, run at batch 3, so the batch dimension
 * is really symbolic; batch norms as nodes and folded into their convs.
 */
class OnnxOpsTest {

    static Stream<Net> nets() {
        Shape even = Shape.of(8, 8, 8);
        return Stream.concat(OneDnnAgreementTest.nets(), Stream.of(
                new Net("conv same stride 2 on an even input: pads 0 before, 1 after", even,
                        (b, s) -> b.conv("c", s, 8, Size.of(3), Size.of(2), Padding.SAME, Size.of(1), 1, true),
                        GradientCheckTest.plain()),
                new Net("max pool same stride 2 on an even input", even,
                        (b, s) -> b.maxpool("p", s, Size.of(3), Size.of(2), Padding.SAME), GradientCheckTest.plain()),
                new Net("average pool 3x3 pad 1 (padding counted)", even,
                        (b, s) -> b.avgpool("p", s, Size.of(3), Size.of(2), Padding.of(1)), GradientCheckTest.plain())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nets")
    void onnxRuntimeAgrees(Net net, @TempDir Path dir) throws Exception {
        for (boolean fold : new boolean[] {false, true}) {
            Parameters params = new Parameters(7, DataType.FLOAT);
            Layer layer = net.build().apply(new Builder(params), net.input());
            params.state().forEach((name, v) -> v.assign(Nd4j.rand(DataType.FLOAT, v.shape()).addi(name.endsWith("var")
                    ? 0.5 : -0.5)));
            params.touch();
            Path file = dir.resolve(fold + ".onnx");
            export(net, layer, fold, file);

            Nd4j.getRandom().setSeed(3);
            INDArray x = Nd4j.rand(DataType.FLOAT, net.input().batch(3)).subi(0.5).muli(2);
            Context eval = new Context(Mode.EVAL);
            INDArray ours = eval.nhwc(net.ops().apply(layer, x, eval));
            try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(file)) {
                INDArray theirs = ort.run(toNchw(x));
                assertThat(theirs.shape()).isEqualTo(toNchw(ours).shape());
                assertThat(OnnxRuntimeRunner.relativeError(theirs, toNchw(ours))).as(net + ", folded " + fold)
                        .isLessThan(1e-4);
            }
        }
    }

    private static void export(Net net, Layer layer, boolean fold, Path file) throws Exception {
        Trace trace = new Trace();
        INDArray probe = Nd4j.zeros(DataType.FLOAT, net.input().batch(1));
        INDArray out = net.ops().apply(layer, probe, Context.tracing(trace));
        trace.bounds(probe, out);
        ModelInfo info = new ModelInfo(net.name(), net.input().dims(), layer.output().dims(), net.name(), Map.of());
        OnnxExporter.export(trace, info, new OnnxOptions(fold), "test", file);
    }

    private static INDArray toNchw(INDArray x) {
        return x.rank() == 4 ? x.permute(0, 3, 1, 2).dup('c') : x;
    }

    @Test
    void anOpWithoutMappingIsNamedAndNoFileIsLeft(@TempDir Path dir) {
        Trace trace = new Trace();
        INDArray in = Nd4j.zeros(DataType.FLOAT, 1, 4);
        INDArray out = Nd4j.zeros(DataType.FLOAT, 1, 4);
        trace.layer("head.warp", "warp", java.util.List.of(in), out, Map.of(), Map.of());
        trace.bounds(in, out);
        Path file = dir.resolve("m.onnx");
        assertThatThrownBy(() -> OnnxExporter.export(trace, new ModelInfo("M", new int[] {4}, new int[] {4}, "", Map.of()),
                OnnxOptions.defaults(), "test", file)).hasMessage("layer head.warp: op 'warp' has no ONNX mapping");
        assertThat(dir.toFile().list()).isEmpty();
    }

    @Test
    void dropoutIsDroppedInTheExport(@TempDir Path dir) throws Exception {
        Parameters params = new Parameters(1, DataType.FLOAT);
        Builder b = new Builder(params);
        Layer dense = b.dense("fc", Shape.of(6), 4, true);
        Layer drop = b.dropout("drop", dense.output(), 0.5);
        Layer net = GradientCheckTest.sequence(dense, drop);
        Trace trace = new Trace();
        INDArray probe = Nd4j.zeros(DataType.FLOAT, 1, 6);
        trace.bounds(probe, net.forward(probe, Context.tracing(trace)));
        Path file = dir.resolve("d.onnx");
        var report = OnnxExporter.export(trace, new ModelInfo("D", new int[] {6}, new int[] {4}, "", Map.of()),
                OnnxOptions.defaults(), "test", file);
        assertThat(report.nodes()).isEqualTo(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 6);
        try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(file)) {
            assertThat(OnnxRuntimeRunner.relativeError(ort.run(x), net.forward(x, new Context(Mode.EVAL))))
                    .isLessThan(1e-5);
        }
        assertThat(Files.size(file)).isEqualTo(report.bytes());
    }
}
