package dev.scaivault.testkit.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;

/** The remaining ways files change under a service: deleted and recreated, removed wholesale, chmod only. */
public final class PlainFiles {
    private PlainFiles() {}

    /**
     * Deletes {@code file}, waits {@code gap} (the file is missing meanwhile), then writes {@code content}
     * into a new file at the same path with a rename-over (so no reader sees it half-written).
     */
    public static void deleteAndRecreate(Path file, String content, Duration gap) {
        try {
            Files.deleteIfExists(file);
            sleep(gap);
            new RenameOverWriter().write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    /** {@code rm -rf dir}: the directory and everything under it, without following symlinks. */
    public static void removeTree(Path dir) {
        try {
            KubeletVolume.removeAll(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    /** {@code chmod}: only the mode changes (an ATTRIB event), never the content. */
    public static void chmod(Path file, String rwx) {
        try {
            Set<PosixFilePermission> perms = PosixFilePermissions.fromString(rwx);
            if (Files.isSymbolicLink(file)) {
                file = file.toRealPath();
            }
            Files.setPosixFilePermissions(file, perms);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot chmod " + file, e);
        }
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
