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
        boolean gzip = file.toString().endsWith(".gz");
        long available = available(file, gzip);
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
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
                total *= dims[i]; // at most 3 dimensions below 2^31: no overflow
            }
            long header = 4L + 4L * rank;
            // Checked against what the file holds before anything is allocated: a header must not
            // be able to make the reader reserve more memory than the data it brings.
            if (header + total != available && !(gzip && available < 0)) {
                throw new DataException(file + ": the header promises " + String.format("%,d", total) + " bytes of data "
                        + describe(dims) + " but the file holds " + String.format("%,d", available - header)
                        + (gzip ? " (uncompressed, from the gzip trailer)" : ""));
            }
            if (total > Integer.MAX_VALUE - 64) {
                throw new DataException(file + ": " + total + " bytes of data is more than this reader takes");
            }
            Budget.check(file, total);
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
            // Reading to the end makes GZIPInputStream check the trailer's CRC-32 and length.
            if (data.read() >= 0) {
                throw new DataException(file + ": data continues after the " + dims[0] + " records its header declares");
            }
            return new Content(dims, bytes);
        } catch (EOFException e) {
            throw new DataException(file + ": truncated header", e);
        } catch (ZipException e) {
            throw new DataException(file + ": corrupt gzip data (" + e.getMessage() + "); the file is damaged", e);
        } catch (DataException e) {
            throw e;
        } catch (IOException e) {
            throw new DataException(file + ": " + e.getMessage(), e);
        }
    }

    private static String describe(int[] dims) {
        return dims.length == 1 ? "(" + dims[0] + " labels)" : "(" + dims[0] + " images of " + dims[1] + "x" + dims[2] + ")";
    }

    /**
     * Bytes of IDX data the file holds: its size, or for gzip the uncompressed size its trailer
     * records (modulo 2^32, so exact below 4 GiB; -1 when the file is too short to have one).
     */
    private static long available(Path file, boolean gzip) throws DataException {
        try {
            long size = Files.size(file);
            if (!gzip) {
                return size;
            }
            if (size < 18) {
                return -1;
            }
            try (var channel = Files.newByteChannel(file)) {
                java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                channel.position(size - 4);
                while (tail.hasRemaining() && channel.read(tail) >= 0) {
                    // fill the 4 bytes
                }
                return Integer.toUnsignedLong(tail.getInt(0));
            }
        } catch (IOException e) {
            throw new DataException(file + ": " + e.getMessage(), e);
        }
    }
}
