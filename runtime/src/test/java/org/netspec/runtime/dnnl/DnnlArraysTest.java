package org.netspec.runtime.dnnl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The arrays oneDNN runs on: aligned where NetSpec makes them, read and written where they start. */
class DnnlArraysTest {

    @Test
    void madeArraysStartOnA64ByteBoundaryInsideAndOutsideWorkspaces() {
        long[][] shapes = {{1}, {3}, {7, 5}, {2, 3, 5, 7}, {8, 56, 56, 64}};
        for (long[] shape : shapes) {
            INDArray outside = Dnnl.uninitialized(shape);
            assertThat(outside.data().addressPointer().address() % 64).isZero();
            assertThat(outside.shape()).isEqualTo(shape);
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(
                WorkspaceConfiguration.builder().initialSize(1 << 20).build(), "dnnl-arrays-test")) {
            for (long[] shape : shapes) {
                INDArray inside = Dnnl.uninitialized(shape);
                assertThat(inside.isAttached()).isTrue();
                assertThat(inside.data().addressPointer().address() % 64).isZero();
            }
        }
    }

    /** A view that starts inside its buffer: oneDNN must read and write from its first value, not past it. */
    @Test
    void aViewIsRunFromItsFirstValue() {
        INDArray whole = Nd4j.createFromArray(new float[] {-1, -2, 3, -4, 5, -6, 7, -8, 9, -10});
        INDArray view = whole.get(NDArrayIndex.interval(3, 9)); // -4, 5, -6, 7, -8, 9
        assertThat(view.offset()).isEqualTo(3);
        assertThat(Elementwise.relu(view).toFloatVector()).containsExactly(0, 5, 0, 7, 0, 9);
        INDArray into = Dnnl.uninitialized(6);
        Elementwise.addReluInto(view, view, into);
        assertThat(into.toFloatVector()).containsExactly(0, 10, 0, 14, 0, 18);
        assertThat(whole.toFloatVector()).containsExactly(-1, -2, 3, -4, 5, -6, 7, -8, 9, -10);
    }
}
