package org.netspec.runtime.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listeners see every step and every epoch, in order; one that throws stops the run after a written checkpoint. */
class ListenerTest {
    @TempDir
    Path dir;

    @Test
    void listenersFollowTheRunAndCanStopIt() throws Exception {
        Trainer.Config config = Trainer.Config.defaults().epochs(3).batch(24).learningRate(0.05);
        List<Trainer.Step> steps = new ArrayList<>();
        List<Trainer.Epoch> epochs = new ArrayList<>();
        Trainer trainer = new Trainer(new AccumulationTest.Net(true), AccumulationTest.data(90, 1),
                AccumulationTest.data(30, 2), config, dir, new PrintStream(OutputStream.nullOutputStream()))
                .listener(new Trainer.Listener() {
                    @Override
                    public void step(Trainer.Step step) {
                        steps.add(step);
                    }

                    @Override
                    public void epoch(Trainer.Epoch epoch) {
                        epochs.add(epoch);
                        if (epoch.epoch() == 2) {
                            throw new IllegalStateException("enough");
                        }
                    }
                });
        assertThatThrownBy(() -> trainer.run(false)).hasMessage("enough");
        assertThat(steps).hasSize(8).extracting(Trainer.Step::step).containsExactly(1L, 2L, 3L, 4L, 1L, 2L, 3L, 4L);
        assertThat(steps).allMatch(s -> s.stepsPerEpoch() == 4 && Double.isFinite(s.loss()) && s.learningRate() > 0);
        assertThat(epochs).extracting(Trainer.Epoch::epoch).containsExactly(1, 2);
        // the second epoch was written before the listener stopped the run: a resume starts at the third
        assertThat(Files.readAllLines(dir.resolve(Trainer.METRICS))).hasSize(3);
    }
}
