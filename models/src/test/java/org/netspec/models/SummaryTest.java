package org.netspec.models;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.netspec.runtime.model.Model;

/** {@code Model.summary()} is the command line's table: a header, parameters and MACs per layer, totals. */
class SummaryTest {
    @Test
    void summaryHasTheCommandLinesColumnsAndTotals() {
        Model model = ResNet18.builder().build();
        String[] lines = model.summary().split("\n");
        assertThat(lines[0]).isEqualTo("ResNet18 on 3x224x224");
        assertThat(lines[2]).matches("layer +op +output +params +MACs");
        assertThat(lines[4]).matches("conv1 +conv +64x112x112 +9,408 +118,013,952");
        assertThat(lines[lines.length - 1]).matches(String.format("total +1000 +%,d +%,d", ResNet18.PARAMETER_COUNT,
                ResNet18.MACS));
        assertThat(model.macs()).isEqualTo(ResNet18.MACS);
    }
}
