package org.netspec.spark;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.netspec.cli.ModelOptions;
import org.netspec.cli.ModelRecipe;
import org.netspec.cli.TrainingData;
import org.netspec.runtime.InputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Batch scoring on Apache Spark: the top classes of every image (PNG, JPEG) under a folder,",
                "with the weights broadcast once and the model built once per executor; a table, --json, or",
                "Parquet files in --out (columns path, classes, indices, scores)."})
final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--spark", required = true, paramLabel = "MASTER", description = "local[N] or a cluster URL")
    String master;

    /** --spec (readable on every executor), --model, --classes: as the other commands take them. */
    @Mixin
    ModelOptions target;

    @Option(names = "--weights", required = true, paramLabel = "CKPT", description = "a checkpoint written by train")
    Path weights;

    @Option(names = "--top", defaultValue = "3", description = "classes per image (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--out", paramLabel = "DIR", description = "write Parquet files here instead of printing")
    String out;

    @Option(names = "--json", description = "machine-readable output (one JSON object per image)")
    boolean json;

    @Parameters(paramLabel = "FOLDER", description = "a folder of images (any path Spark reads: file:, hdfs:, s3a:)")
    String folder;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (top < 1) {
            err.println("netspec score: --top must be at least 1, got " + top);
            return 1;
        }
        TrainingData data;
        try {
            data = TrainingData.of(weights, "score");
        } catch (InputException e) {
            err.println("netspec score: " + e.getMessage());
            return 1;
        }
        String call = target.modelCall(err);
        if (call == null) {
            return 1;
        }
        ModelRecipe recipe = new ModelRecipe(target.spec().toAbsolutePath().toString(), call, data.input(), 0);
        try {
            recipe.build(); // the spec's errors here, once, not in every task
        } catch (IllegalArgumentException e) {
            err.print(e.getMessage());
            err.flush();
            return 1;
        }
        SparkSession spark = CommandLineSupport.session(master, "netspec score");
        try {
            SparkScorer scorer = new SparkScorer(JavaSparkContext.fromSparkContext(spark.sparkContext()),
                    ModelFactory.of(recipe), weights, top);
            org.apache.spark.sql.Dataset<Row> scored = scorer.scoreFolder(spark, folder);
            if (out != null) {
                scored.write().parquet(out);
                err.println("wrote the scores to " + out);
                return 0;
            }
            PrintWriter stdout = spec.commandLine().getOut();
            List<Row> rows = json ? null : scored.orderBy("path").collectAsList();
            if (json) {
                scored.orderBy("path").toJSON().toLocalIterator().forEachRemaining(stdout::println);
            } else {
                for (Row r : rows) {
                    StringBuilder line = new StringBuilder(r.getString(0));
                    List<String> classes = r.getList(1);
                    List<Float> scores = r.getList(3);
                    for (int k = 0; k < classes.size(); k++) {
                        line.append(String.format(Locale.ROOT, "  %s %.3f", classes.get(k), scores.get(k)));
                    }
                    stdout.println(line);
                }
            }
            stdout.flush();
            return 0;
        } finally {
            spark.stop();
        }
    }
}
