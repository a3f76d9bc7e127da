package dev.scaivault.testkit.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Replays an in-place write ({@code echo > f}, {@code cp}, Python's {@code open('w')}): the same inode is
 * truncated, then written in parts, with a pause after the truncation and between parts. Java reports only
 * MODIFY events and never the close, so a reader woken early sees 0 bytes, then a prefix, then the whole.
 */
public final class InPlaceWriter {
    private final Duration pause;

    /** @param pause the time between the truncation and the first part, and between parts */
    public InPlaceWriter(Duration pause) {
        this.pause = Objects.requireNonNull(pause, "pause");
    }

    /** Truncates {@code file} (creating it if missing), then writes {@code parts} one by one. */
    public void write(Path file, String... parts) {
        List<byte[]> bytes = new ArrayList<>();
        for (String p : parts) {
            bytes.add(p.getBytes(StandardCharsets.UTF_8));
        }
        write(file, bytes);
    }

    public void write(Path file, List<byte[]> parts) {
        try (FileChannel ch = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (byte[] part : parts) {
                pause();
                ByteBuffer buf = ByteBuffer.wrap(part);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("in-place write of " + file + " failed", e);
        }
    }

    private void pause() {
        if (pause.isZero()) {
            return;
        }
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during an in-place write", e);
        }
    }
}
