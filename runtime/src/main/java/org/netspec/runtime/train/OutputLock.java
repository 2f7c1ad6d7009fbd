package org.netspec.runtime.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One training run per output folder: an exclusive lock on {@code DIR/.netspec.lock}, holding
 * the owner's process id. A second run fails at once, naming the first — instead of both
 * finishing and the last writer silently winning. Taking it also proves the folder writable
 * before any training. The operating system drops the lock when the process dies.
 */
final class OutputLock implements AutoCloseable {
    static final String FILE = ".netspec.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static OutputLock take(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException(dir + " is not writable: " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String owner = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
            channel.close();
            throw new IOException("another training run (process " + (owner.isEmpty() ? "?" : owner) + ") is writing to "
                    + dir + "; wait for it or choose another --out");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
        channel.force(false);
        return new OutputLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
