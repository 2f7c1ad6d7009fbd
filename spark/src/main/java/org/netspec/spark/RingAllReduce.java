package org.netspec.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.spark.BarrierTaskContext;
import org.netspec.runtime.train.World;

/**
 * The tasks of one Spark barrier stage as a {@link World}: each listens on a port of its own,
 * the addresses go round through {@link BarrierTaskContext#allGather} (a small string through
 * the driver), and each task connects to the next; then an all-reduce is the bandwidth-optimal
 * ring (reduce-scatter, then all-gather: each task sends 2 (N-1)/N of the array), straight
 * between executors. Partial sums travel as float64 and the finished chunks as float32 (1.5x the
 * bytes of an all-float ring), so the result is the same float32 bits for any number of tasks.
 * Sockets are interruptible channels, so Spark's killing of a failed stage's
 * other tasks ends them instead of leaving them blocked.
 */
final class RingAllReduce implements World, AutoCloseable {
    private final BarrierTaskContext context;
    private final int rank;
    private final int size;
    private final SocketChannel next;
    private final SocketChannel previous;
    private final ExecutorService sender;
    private ByteBuffer out = ByteBuffer.allocateDirect(0);
    private ByteBuffer in = ByteBuffer.allocateDirect(0);
    private long bytesSent;
    private long nanos;
    private long calls;

    private RingAllReduce(BarrierTaskContext context, SocketChannel next, SocketChannel previous) {
        this.context = context;
        this.rank = context.partitionId();
        this.size = context.getTaskInfos().length;
        this.next = next;
        this.previous = previous;
        this.sender = size > 1 ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netspec-ring-send-" + context.partitionId());
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Connects the ring of the current barrier stage; every task must call it. */
    static RingAllReduce connect(BarrierTaskContext context) throws IOException {
        int rank = context.partitionId();
        int size = context.getTaskInfos().length;
        if (size == 1) {
            return new RingAllReduce(context, null, null);
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(0));
            // the executor's own address as Spark knows it (host:port of the executor)
            String address = context.getTaskInfos()[rank].address();
            String host = address.contains(":") ? address.substring(0, address.lastIndexOf(':')) : address;
            String[] all = context.allGather(host + ":" + server.socket().getLocalPort());
            String to = all[(rank + 1) % size];
            SocketChannel next = SocketChannel.open(new InetSocketAddress(to.substring(0, to.lastIndexOf(':')),
                    Integer.parseInt(to.substring(to.lastIndexOf(':') + 1))));
            next.socket().setTcpNoDelay(true);
            ByteBuffer hello = ByteBuffer.allocate(4).putInt(rank).flip();
            while (hello.hasRemaining()) {
                next.write(hello);
            }
            SocketChannel previous = server.accept();
            previous.socket().setTcpNoDelay(true);
            ByteBuffer who = ByteBuffer.allocate(4);
            while (who.hasRemaining()) {
                if (previous.read(who) < 0) {
                    throw new IOException("task " + rank + ": the previous task closed the ring while connecting");
                }
            }
            int from = who.flip().getInt();
            if (from != (rank + size - 1) % size) {
                throw new IOException("task " + rank + ": expected task " + (rank + size - 1) % size + ", got " + from);
            }
            return new RingAllReduce(context, next, previous);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduce(double[] values) {
        if (size == 1) {
            return;
        }
        long started = System.nanoTime();
        int longest = (values.length + size - 1) / size + 1;
        if (out.capacity() < 8 * longest) {
            out = ByteBuffer.allocateDirect(8 * longest).order(ByteOrder.LITTLE_ENDIAN);
            in = ByteBuffer.allocateDirect(8 * longest).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            for (int s = 0; s < size - 1; s++) { // reduce-scatter: task r ends holding the sum of chunk r + 1
                exchange(values, (rank - s + size) % size, (rank - s - 1 + size) % size, true);
            }
            int owned = (rank + 1) % size;
            for (int i = start(values.length, owned); i < start(values.length, owned + 1); i++) {
                values[i] = (float) values[i];
            }
            for (int s = 0; s < size - 1; s++) { // all-gather: the summed chunks go round, as float32
                exchange(values, (rank - s + 1 + size) % size, (rank - s + size) % size, false);
            }
        } catch (IOException e) {
            throw new IllegalStateException("task " + rank + " of " + size + ": the all-reduce ring broke: " + e, e);
        } finally {
            nanos += System.nanoTime() - started;
            calls++;
        }
    }

    /**
     * Sends chunk {@code send} to the next task while receiving chunk {@code receive} from the
     * previous: float64 partial sums added in ({@code reduce}), or float32 finished sums copied.
     */
    private void exchange(double[] values, int send, int receive, boolean reduce) throws IOException {
        int sendFrom = start(values.length, send);
        int sendTo = start(values.length, send + 1);
        int width = reduce ? 8 : 4;
        Future<?> sent = sender.submit(() -> {
            out.clear();
            if (reduce) {
                out.asDoubleBuffer().put(values, sendFrom, sendTo - sendFrom);
            } else {
                var floats = out.asFloatBuffer();
                for (int i = sendFrom; i < sendTo; i++) {
                    floats.put((float) values[i]);
                }
            }
            out.limit(width * (sendTo - sendFrom));
            while (out.hasRemaining()) {
                next.write(out);
            }
            return null;
        });
        int from = start(values.length, receive);
        int to = start(values.length, receive + 1);
        in.clear().limit(width * (to - from));
        while (in.hasRemaining()) {
            if (previous.read(in) < 0) {
                sent.cancel(true);
                throw new IOException("the previous task closed its connection");
            }
        }
        in.flip();
        if (reduce) {
            var doubles = in.asDoubleBuffer();
            for (int i = from; i < to; i++) {
                values[i] += doubles.get();
            }
        } else {
            var floats = in.asFloatBuffer();
            for (int i = from; i < to; i++) {
                values[i] = floats.get();
            }
        }
        try {
            sent.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("sending to the next task failed: " + e.getCause(), e.getCause());
        }
        bytesSent += (long) width * (sendTo - sendFrom);
    }

    private int start(int length, int chunk) {
        return (int) ((long) chunk * length / size);
    }

    @Override
    public void verify(long step, Supplier<String> digest) {
        String[] all = context.allGather(digest.get());
        if (Arrays.stream(all).distinct().count() > 1) {
            StringBuilder s = new StringBuilder("the workers diverged at step " + step + " (their weights, statistics or"
                    + " optimizer state differ; SHA-256 by worker):");
            for (int i = 0; i < all.length; i++) {
                s.append("\n  worker ").append(i).append(": ").append(all[i]);
            }
            throw new IllegalStateException(s.toString());
        }
    }

    /** Bytes this task sent, time in all-reduces and their count, since it connected. */
    Traffic traffic() {
        return new Traffic(bytesSent, nanos, calls);
    }

    record Traffic(long bytesSent, long nanos, long calls) implements java.io.Serializable {}

    @Override
    public void close() {
        if (sender != null) {
            sender.shutdownNow();
        }
        for (SocketChannel c : new SocketChannel[] {next, previous}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (IOException ignored) {
                // closing: nothing left to lose
            }
        }
    }
}
