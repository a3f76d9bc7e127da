package dev.scaivault.testkit.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replays how consul-template (and so Vault Agent's template renderer) writes a file: a temp file named by
 * bare digits in the SAME directory, mode 0600, write + fsync + close, chmod to the target mode (0644 by
 * default), an optional hard-link backup of the old file ({@code dest.bak}), {@code rename(tmp, dest)}, and
 * an optional chown afterwards. Java sees CREATE tmp, MODIFY tmp, DELETE tmp, CREATE dest. A set of files
 * written one after another this way is not atomic as a set.
 */
public final class RenameOverWriter {
    private static final Set<PosixFilePermission> TMP_0600 = PosixFilePermissions.fromString("rw-------");

    private Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-r--r--");
    private boolean backup;
    private Integer chownGid;
    private volatile long lastRenameNanos;

    /** A writer with consul-template's defaults: mode 0644, no backup, no chown. */
    public RenameOverWriter() {}

    /** The mode the file gets before the rename, like {@code perms = "0640"}. */
    public RenameOverWriter mode(String rwx) {
        this.mode = PosixFilePermissions.fromString(rwx);
        return this;
    }

    /** Keeps a hard-link backup {@code dest.bak} of the previous file, like {@code backup = true}. */
    public RenameOverWriter backup(boolean backup) {
        this.backup = backup;
        return this;
    }

    /** Changes the group of the new file after the rename, like {@code group = "..."}. */
    public RenameOverWriter chownAfter(int gid) {
        this.chownGid = gid;
        return this;
    }

    public void write(Path dest, String content) {
        write(dest, content.getBytes(StandardCharsets.UTF_8));
    }

    public void write(Path dest, byte[] content) {
        Objects.requireNonNull(content, "content");
        Path dir = dest.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path tmp = createTemp(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, mode);
            if (backup && Files.exists(dest)) {
                Path bak = dest.resolveSibling(dest.getFileName() + ".bak");
                Path old = dest.resolveSibling(dest.getFileName() + ".old.bak");
                if (Files.exists(bak, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(bak, old, StandardCopyOption.ATOMIC_MOVE);
                }
                Files.createLink(bak, dest);
                Files.deleteIfExists(old);
            }
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
            lastRenameNanos = System.nanoTime();
            if (chownGid != null) {
                Files.setAttribute(dest, "unix:gid", chownGid, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rename-over write of " + dest + " failed", e);
        }
    }

    /** {@link System#nanoTime()} right after the last {@code rename(tmp, dest)}. */
    public long lastRenameNanos() {
        return lastRenameNanos;
    }

    // Go's os.CreateTemp(dir, ""): a random decimal uint32 as the whole name, created O_EXCL with 0600.
    private static Path createTemp(Path dir) throws IOException {
        for (int i = 0; i < 10_000; i++) {
            long n = ThreadLocalRandom.current().nextLong(1L << 32);
            try {
                return Files.createFile(dir.resolve(Long.toString(n)), PosixFilePermissions.asFileAttribute(TMP_0600));
            } catch (FileAlreadyExistsException retry) {
                // Same collision handling as Go: try another random name.
            }
        }
        throw new IOException("no free temp name in " + dir);
    }
}
