package org.netspec.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.netspec.runtime.data.DataException;
import org.netspec.runtime.data.Dataset;
import org.netspec.runtime.data.EncodedImages;

/**
 * Training data from a Spark {@code Dataset<Row>} of encoded images and labels — a Parquet or
 * Delta table, {@code binaryFile} rows with a label column — brought to the driver (row by row,
 * within the memory budget of the file readers) and from there broadcast to the workers by
 * {@link SparkTrainer}, which needs every example on every worker so that N workers draw the
 * shuffles one process draws.
 */
public final class SparkData {
    private SparkData() {}

    /** Training and test sets with one numbering of classes: the training side's names, sorted. */
    public record Split(Dataset train, Dataset test, List<String> classNames) {}

    /**
     * {@code train} and {@code test} rows with a binary column {@code image} (PNG or JPEG) and a
     * column {@code label} (class names, or numbers, which are names too), decoded to channels x
     * size x size and normalised with {@code mean} and {@code std}.
     */
    public static Split fromRows(org.apache.spark.sql.Dataset<Row> train, org.apache.spark.sql.Dataset<Row> test,
                                 String image, String label, int channels, int size, float[] mean, float[] std)
            throws DataException {
        EncodedImages a = collect("train", train, image, label, channels, size);
        EncodedImages b = collect("test", test, image, label, channels, size);
        List<String> names = a.classNames();
        return new Split(a.toDataset(names, mean, std), b.toDataset(names, mean, std), names);
    }

    private static EncodedImages collect(String name, org.apache.spark.sql.Dataset<Row> rows, String image,
                                         String label, int channels, int size) throws DataException {
        EncodedImages images = new EncodedImages(name, channels, size);
        Iterator<Row> it = rows.select(image, label).toLocalIterator();
        long n = 0;
        while (it.hasNext()) {
            Row r = it.next();
            n++;
            if (r.isNullAt(0) || r.isNullAt(1)) {
                throw new DataException(name + " row " + n + ": no " + (r.isNullAt(0) ? image : label));
            }
            images.add(name + " row " + n, (byte[]) r.get(0), String.valueOf(r.get(1)));
        }
        return images;
    }
}
