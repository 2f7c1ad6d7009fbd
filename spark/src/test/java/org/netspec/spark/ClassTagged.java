package org.netspec.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction1;

/** A barrier stage whose tasks all-reduce a known array and return what they got. */
final class ClassTagged {
    private ClassTagged() {}

    static void check(JavaSparkContext sc, int tasks, int length) {
        List<double[]> results = sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks).rdd().barrier()
                .mapPartitions(new Sum(length), false, scala.reflect.ClassTag$.MODULE$.apply(double[].class)).toJavaRDD()
                .collect();
        assertThat(results).hasSize(tasks);
        double expected = tasks * (tasks + 1) / 2.0;
        for (double[] r : results) {
            for (int i = 0; i < length; i++) {
                if (r[i] != expected * (i % 1000)) {
                    throw new AssertionError("index " + i + ": " + r[i] + ", expected " + expected * (i % 1000));
                }
            }
        }
    }

    static final class Sum extends AbstractFunction1<Iterator<Integer>, Iterator<double[]>> implements Serializable {
        private final int length;

        Sum(int length) {
            this.length = length;
        }

        @Override
        public Iterator<double[]> apply(Iterator<Integer> ignored) {
            try (RingAllReduce ring = RingAllReduce.connect(BarrierTaskContext.get())) {
                double[] values = new double[length];
                for (int round = 0; round < 6; round++) { // a ring is used over and over
                    for (int i = 0; i < length; i++) {
                        values[i] = (i % 1000) * (ring.rank() + 1) * (round == 5 ? 1 : round + 7);
                    }
                    ring.allReduce(values);
                }
                long sent = ring.traffic().bytesSent();
                // per call: N - 1 chunks of partial sums as float64, N - 1 finished chunks as float32
                double expected = 12.0 * (ring.size() - 1) * length / ring.size();
                if (ring.size() > 1 && Math.abs(sent / 6.0 - expected) > 12 * ring.size()) {
                    throw new AssertionError(sent / 6 + " bytes sent per call, expected about " + expected);
                }
                ring.allReduce(new double[3]); // a second call on the same ring
                return JavaConverters.asScalaIterator(List.of(values).iterator());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
