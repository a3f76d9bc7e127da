package dev.scaivault;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * The one way this library reads a file it did not write: a secret file, a volume entry, a token file, a CA
 * bundle; public so your own code can read a mounted secret the same way. It never opens what is not a regular file (opening a FIFO blocks until a writer
 * comes, and a device can be read forever) and never reads more than a cap, so a hostile or broken file
 * costs a clear error, not a stuck thread or the heap.
 *
 * <p>Between the check and the open, a writer would have to replace a regular file by a FIFO: kubelet, the
 * CSI driver and sidecars never do (they write regular files and swap links), so the check is the guard.
 */
public final class BoundedFiles {
    /** The largest array a JVM reliably allocates. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private BoundedFiles() {}

    /** {@code file} is not a regular file; {@link #kind()} says what it is. */
    public static final class NotRegularFileException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String kind;

        NotRegularFileException(Path file, String kind) {
            super(file + " is " + kind + ", not a regular file");
            this.kind = kind;
        }

        /** {@code "a directory"}, {@code "a symbolic link"} or {@code "a FIFO, socket or device"}. */
        public String kind() {
            return kind;
        }
    }

    /** {@code file} holds more than the cap. */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long size;

        TooLargeException(Path file, long size, long limit) {
            super(file + " holds " + (size > limit ? size + " bytes" : "more bytes than allowed")
                    + ", over the limit of " + limit);
            this.size = size;
        }

        /** The size found, as far as it was read. */
        public long size() {
            return size;
        }
    }

    /**
     * Reads {@code file} whole, following symbolic links unless {@code followLinks} is false.
     *
     * @throws NotRegularFileException if it is a directory, FIFO, socket or device (or, not following links, a
     *     symbolic link); nothing was opened
     * @throws TooLargeException if it holds more than {@code limit} bytes (checked before and while reading:
     *     it may grow)
     * @throws java.nio.file.NoSuchFileException if it does not exist
     */
    public static byte[] read(Path file, long limit, boolean followLinks) throws IOException {
        LinkOption[] links = followLinks ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, links);
        if (!a.isRegularFile()) {
            throw new NotRegularFileException(file, kind(a));
        }
        if (a.size() > limit) {
            throw new TooLargeException(file, a.size(), limit);
        }
        Set<OpenOption> open = followLinks
                ? Set.of(StandardOpenOption.READ)
                : Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try (InputStream in = Channels.newInputStream(Files.newByteChannel(file, open))) {
            byte[] b = in.readNBytes((int) Math.min(limit + 1, MAX_ARRAY));
            if (b.length > limit) {
                throw new TooLargeException(file, b.length, limit);
            }
            return b;
        }
    }

    /** What a file that is not regular is, in words for an error message. */
    public static String kind(BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        return "a FIFO, socket or device";
    }

    /**
     * Decodes strict UTF-8: a malformed or unmappable sequence is an error, never a replacement character
     * (a secret silently changed by decoding would fail later, far from its cause).
     */
    public static String utf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }
}
