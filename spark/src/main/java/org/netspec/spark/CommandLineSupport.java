package org.netspec.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.netspec.cli.ModelRecipe;
import org.netspec.cli.SparkSupport;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.train.Trainer;

/** {@code netspec train --spark MASTER} and {@code netspec score}, found by the command line as a service. */
public final class CommandLineSupport implements SparkSupport {
    /** A session for the command line: {@code master}, no web UI, Spark's own logging at warnings. */
    static SparkSession session(String master, String name) {
        SparkConf conf = new SparkConf().setAppName(name).set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false");
        if (master != null) {
            conf.setMaster(master);
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }

    @Override
    public Session train(String master, int workers, ModelRecipe recipe, Dataset train, Dataset test, PrintStream log)
            throws IOException {
        SparkSession spark = session(master, "netspec train");
        SparkTrainer trainer = new SparkTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()), workers,
                ModelFactory.of(recipe), train, test, log);
        return new Session() {
            @Override
            public Trainer.EpochResult run(Trainer t, int epoch) throws IOException {
                return trainer.run(t, epoch);
            }

            @Override
            public void close() {
                trainer.close();
                spark.stop();
            }
        };
    }

    @Override
    public List<Object> commands() {
        return List.of(new ScoreCommand());
    }
}
