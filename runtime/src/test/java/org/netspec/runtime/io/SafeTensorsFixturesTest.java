package org.netspec.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reads the torchvision-made fixtures: an oracle this project's writer had no part in. */
class SafeTensorsFixturesTest {

    @Test
    void resnet18StateDict() throws Exception {
        try (SafeTensors st = SafeTensors.open(Fixtures.file("resnet18_w16_c10.safetensors"))) {
            TensorInfo conv1 = st.info("conv1.weight");
            assertThat(conv1.dtype()).isEqualTo(SafeTensorsDtype.F32);
            assertThat(conv1.shape()).containsExactly(16, 3, 7, 7);

            float[] w = st.readFloats("conv1.weight");
            assertThat(w).hasSize(16 * 3 * 7 * 7);
            for (float v : w) {
                assertThat(Float.isFinite(v)).isTrue();
            }
            INDArray a = st.readArray("conv1.weight");
            assertThat(a.dataType()).isEqualTo(DataType.FLOAT);
            assertThat(a.shape()).containsExactly(16, 3, 7, 7);
            assertThat(a.ordering()).isEqualTo('c');
            assertThat(a.data().asFloat()).isEqualTo(w);
            assertThat(a.getFloat(15, 2, 6, 6)).isEqualTo(w[w.length - 1]);

            TensorInfo nbt = st.info("bn1.num_batches_tracked");
            assertThat(nbt.dtype()).isEqualTo(SafeTensorsDtype.I64);
            assertThat(nbt.shape()).isEmpty();
            long[] n = st.readLongs("bn1.num_batches_tracked");
            assertThat(n).hasSize(1);
            INDArray scalar = st.readArray("bn1.num_batches_tracked");
            assertThat(scalar.dataType()).isEqualTo(DataType.INT64);
            assertThat(scalar.rank()).isZero();
            assertThat(scalar.getLong(0)).isEqualTo(n[0]);

            assertThat(st.info("fc.weight").shape()).containsExactly(10, 128);
        }
    }

    @ParameterizedTest
    @CsvSource({"resnet18_w16_c10, 703386", "resnet50_w16_c10, 1486106"})
    void trainableParameterCountMatchesReadmeAndGradientsMatchParameters(String model, long expected)
            throws Exception {
        Map<String, TensorInfo> params = new TreeMap<>();
        try (SafeTensors st = SafeTensors.open(Fixtures.file(model + ".safetensors"))) {
            st.tensors().forEach((name, info) -> {
                if (!name.contains("running_") && !name.endsWith("num_batches_tracked")) {
                    params.put(name, info);
                }
            });
        }
        assertThat(params.values().stream().mapToLong(TensorInfo::numel).sum()).isEqualTo(expected);
        try (SafeTensors grads = SafeTensors.open(Fixtures.file(model + ".grads.safetensors"))) {
            assertThat(grads.names()).containsExactlyElementsOf(params.keySet());
            for (String name : params.keySet()) {
                assertThat(grads.info(name).shape()).as(name).containsExactly(params.get(name).shape());
                assertThat(grads.info(name).dtype()).as(name).isEqualTo(SafeTensorsDtype.F32);
            }
        }
    }

    @Test
    void ioFileDecodesConsistently() throws Exception {
        try (SafeTensors io = SafeTensors.open(Fixtures.file("resnet18_w16_c10.io.safetensors"))) {
            assertThat(io.info("input_nchw").shape()).containsExactly(4, 3, 64, 64);
            INDArray input = io.readArray("input_nchw");
            assertThat(input.shape()).containsExactly(4, 3, 64, 64);

            long[] labels = io.readLongs("labels");
            assertThat(labels).hasSize(4);
            assertThat(Arrays.stream(labels)).allSatisfy(l -> assertThat(l).isBetween(0L, 9L));
            assertThat(io.info("train_logits").shape()).containsExactly(4, 10);
            assertThat(io.info("train_loss").shape()).containsExactly(1);

            // train_loss is the mean softmax cross-entropy of train_logits against labels: recomputing
            // it checks that F32 and I64 data decode to the values torch wrote.
            float[] logits = io.readFloats("train_logits");
            double loss = 0;
            for (int i = 0; i < 4; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < 10; c++) {
                    max = Math.max(max, logits[i * 10 + c]);
                }
                double sum = 0;
                for (int c = 0; c < 10; c++) {
                    sum += Math.exp(logits[i * 10 + c] - max);
                }
                loss += max + Math.log(sum) - logits[i * 10 + (int) labels[i]];
            }
            loss /= 4;
            assertThat((double) io.readFloats("train_loss")[0]).isCloseTo(loss, within(1e-5 * Math.max(1, loss)));
        }
    }

    static Stream<Path> allFixtureFiles() throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Fixtures.dir())) {
            s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().forEach(files::add);
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(8);
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("allFixtureFiles")
    void everyFixtureTensorReads(Path file) throws Exception {
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.names()).isNotEmpty();
            long expectedOffset = 0;
            List<TensorInfo> byOffset = new ArrayList<>(st.tensors().values());
            byOffset.sort((x, y) -> Long.compare(x.begin(), y.begin()));
            for (TensorInfo t : byOffset) {
                // torch's writer packs tensors back to back; anything else would hint at a parsing slip.
                assertThat(t.begin()).as(t.name()).isEqualTo(expectedOffset);
                expectedOffset = t.end();
                INDArray a = st.readArray(t.name());
                assertThat(a.shape()).as(t.name()).containsExactly(t.shape());
                assertThat(a.length()).as(t.name()).isEqualTo(t.numel());
                if (t.dtype() == SafeTensorsDtype.F32) {
                    assertThat(a.data().asFloat()).as(t.name()).isEqualTo(st.readFloats(t.name()));
                }
            }
            assertThat(Files.size(file)).isGreaterThanOrEqualTo(expectedOffset + 8);
        }
    }
}
