package org.netspec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.train.Trainer;

/**
 * What the optional module {@code netspec-spark} adds to the command line, found with
 * {@link java.util.ServiceLoader} when its jar (and Spark's) are on the class path:
 * {@code train --spark MASTER} and the {@code score} command.
 */
public interface SparkSupport {
    /** Computes each epoch of training as one Spark barrier stage of {@code workers} tasks on {@code master}. */
    interface Session extends Trainer.EpochRunner, AutoCloseable {
        @Override
        void close();
    }

    Session train(String master, int workers, ModelRecipe recipe, Dataset train, Dataset test, PrintStream log)
            throws IOException;

    /** picocli command objects to add to {@code netspec}. */
    List<Object> commands();
}
