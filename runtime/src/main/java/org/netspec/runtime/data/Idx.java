package org.netspec.runtime.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST and Fashion-MNIST ({@code *-idx3-ubyte.gz}, {@code *-idx1-ubyte.gz}):
 * a magic number giving the element type and rank, the dimensions, then unsigned bytes.
 */
final class Idx {
    private Idx() {}

    /** Dimensions and data of an unsigned-byte IDX file, gzipped or not. */
    record Content(int[] dims, byte[] data) {}

    static Content read(Path file, int expectedRank) throws DataException {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != 0x08) {
                throw new DataException(file + ": not an unsigned-byte IDX file (magic " + String.format("0x%08x", magic) + ")");
            }
            int rank = magic & 0xff;
            if (rank != expectedRank) {
                throw new DataException(file + ": expected " + expectedRank + " dimensions, the header says " + rank);
            }
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = data.readInt();
                if (dims[i] <= 0) {
                    throw new DataException(file + ": dimension " + i + " is " + dims[i]);
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 64) {
                throw new DataException(file + ": " + total + " bytes of data is more than this reader takes");
            }
            byte[] bytes = new byte[(int) total];
            int per = rank == 1 ? 1 : (int) (total / dims[0]);
            int read = 0;
            while (read < bytes.length) {
                int n = data.read(bytes, read, bytes.length - read);
                if (n < 0) {
                    throw new DataException(file + ": truncated in record " + read / per + " of " + dims[0]);
                }
                read += n;
            }
            return new Content(dims, bytes);
        } catch (EOFException e) {
            throw new DataException(file + ": truncated header", e);
        } catch (ZipException e) {
            throw new DataException(file + ": corrupt gzip data: " + e.getMessage(), e);
        } catch (DataException e) {
            throw e;
        } catch (IOException e) {
            throw new DataException(file + ": " + e.getMessage(), e);
        }
    }
}
