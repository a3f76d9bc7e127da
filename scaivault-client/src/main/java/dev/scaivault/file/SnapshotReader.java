package dev.scaivault.file;

import dev.scaivault.BoundedFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads one consistent snapshot of a configured path (FILE-UPDATES.md section 6, steps 6 and 7):
 *
 * <ul>
 *   <li>in a kubelet/CSI volume (a directory holding {@code ..data}) every file is read through the
 *       timestamped directory {@code ..data} pointed to, and the link is read again afterwards; a swap in
 *       between means a retry, so a reader can never mix two versions;
 *   <li>a plain file or directory (written by a sidecar) is read, left to settle, and read again; only two
 *       identical reads (bytes, size, mtime, inode) count, because an in-place write can be seen empty or
 *       half-done and nothing signals its end.
 * </ul>
 */
final class SnapshotReader {
    static final String DATA = "..data";
    private static final int MAX_SWAP_RETRIES = 50;

    private final Path path;
    private final FileFormat format;
    private final long maxSize;
    private final Duration settle;

    // Only the source's reads (serialized by its lock) touch this: it words "does not exist" right.
    private boolean wasDirectory;

    SnapshotReader(Path path, FileFormat format, long maxSize, Duration settle) {
        this.path = path;
        this.format = format;
        this.maxSize = maxSize;
        this.settle = settle;
    }

    /** A snapshot, or "still changing, try again shortly". */
    record Result(FileSecret secret, boolean volume, String unstable) {
        static Result ok(FileSecret s, boolean volume) {
            return new Result(s, volume, null);
        }

        static Result unstable(String why, boolean volume) {
            return new Result(null, volume, why);
        }
    }

    /** A rejected read: the error to report, and a fingerprint of what was read so a repeat is not re-reported. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        final transient FileSecretException error;
        final String fingerprint;

        Rejected(FileSecretException error, String fingerprint) {
            super(error.getMessage(), null, false, false);
            this.error = error;
            this.fingerprint = fingerprint;
        }
    }

    /** The directories whose events can signal a change of {@code path}: never the file or {@code ..data}. */
    static Set<Path> dirsToWatch(Path path) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (Files.isDirectory(path)) {
            dirs.add(path);
            return dirs;
        }
        Path parent = path.getParent();
        dirs.add(parent);
        if (!isVolume(parent) && Files.isSymbolicLink(path)) {
            try {
                Path target = parent.resolve(Files.readSymbolicLink(path)).normalize();
                Path tp = target.getParent();
                if (tp != null
                        && tp.getFileName() != null
                        && tp.getFileName().toString().equals(DATA)) {
                    tp = tp.getParent();
                }
                if (tp != null) {
                    dirs.add(tp);
                }
            } catch (IOException e) {
                // Dangling or unreadable now; reads report it, and the parent's events still arrive.
            }
        }
        return dirs;
    }

    static boolean isVolume(Path dir) {
        return dir != null && Files.isSymbolicLink(dir.resolve(DATA));
    }

    Result read() throws Rejected {
        if (Files.isDirectory(path)) {
            wasDirectory = true;
            if (format != FileFormat.AUTO && format != FileFormat.DIRECTORY) {
                throw rejected(path + " is a directory, but the format is " + Formats.name(format), "dir");
            }
            return isVolume(path) ? readVolume(path, null) : readPlainDirectory();
        }
        if (format == FileFormat.DIRECTORY && Files.exists(path)) {
            throw rejected(path + " is a file, but the format is directory", "file");
        }
        Path parent = path.getParent();
        if (isVolume(parent)) {
            return readVolume(parent, path.getFileName().toString());
        }
        if (Files.isSymbolicLink(path)) {
            Path target;
            try {
                target = parent.resolve(Files.readSymbolicLink(path)).normalize();
            } catch (IOException e) {
                throw rejected(
                        "file " + path + ": cannot read the symbolic link ("
                                + e.getClass().getSimpleName() + ")",
                        "link");
            }
            Path tp = target.getParent();
            if (tp != null
                    && tp.getFileName() != null
                    && tp.getFileName().toString().equals(DATA)) {
                tp = tp.getParent();
            }
            if (isVolume(tp)) {
                return readVolume(tp, target.getFileName().toString());
            }
        }
        return readPlainFile();
    }

    private Result readVolume(Path root, String name) throws Rejected {
        Path link = root.resolve(DATA);
        for (int attempt = 0; attempt < MAX_SWAP_RETRIES; attempt++) {
            Path t1 = readLink(link);
            if (t1 == null) {
                throw rejected("volume " + root + " has no " + DATA + " (emptied by a failed sync?)", "no-data");
            }
            if (!insideVolume(t1)) {
                // kubelet and the CSI driver link ..data to a sibling; anything else would publish whatever it
                // points at (a whole system directory, say) as the secret.
                throw rejected(
                        "volume " + root + ": " + DATA + " points to " + t1
                                + ", outside the volume; only a directory inside it is read",
                        "outside:" + t1);
            }
            Path data = root.resolve(t1);
            byte[] content = null;
            SortedMap<String, byte[]> files = null;
            boolean missing = false;
            try {
                if (name == null) {
                    files = readAll(data, false);
                } else {
                    content = readCapped(data.resolve(name), maxSize, false);
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                missing = true;
            } catch (BoundedFiles.NotRegularFileException e) {
                throw rejected(
                        "volume " + root + ": key " + name + " is " + e.kind() + ", not a regular file",
                        "not-regular:" + t1);
            } catch (IOException e) {
                throw rejected(
                        "volume " + root + ": cannot read " + data.getFileName() + " ("
                                + e.getClass().getSimpleName() + ")",
                        "io");
            }
            if (!t1.equals(readLink(link))) {
                continue;
            }
            if (missing) {
                if (!Files.isDirectory(data)) {
                    // Dangling ..data: a removal racing our read, or a broken volume. Retry, then report.
                    continue;
                }
                throw rejected("file " + path + ": key " + name + " is not in volume " + root, "missing:" + t1);
            }
            return Result.ok(name == null ? parseDirectory(files) : parse(root.resolve(name), content), true);
        }
        return Result.unstable("volume " + root + " changed during " + MAX_SWAP_RETRIES + " reads", true);
    }

    /** A {@code ..data} target kubelet could have written: one relative name, a directory beside the link. */
    private static boolean insideVolume(Path target) {
        return !target.isAbsolute()
                && target.getNameCount() == 1
                && !target.toString().equals("..")
                && !target.toString().equals(".");
    }

    private FileSecret parse(Path file, byte[] content) throws Rejected {
        try {
            return Formats.parseFile(path, file, format, content);
        } catch (FileSecretException e) {
            throw new Rejected(e, sha(content));
        }
    }

    private FileSecret parseDirectory(SortedMap<String, byte[]> files) throws Rejected {
        try {
            return Formats.parseDirectory(path, files);
        } catch (FileSecretException e) {
            throw new Rejected(e, "dir:" + files.keySet());
        }
    }

    private Result readPlainFile() throws Rejected {
        try {
            BasicFileAttributes a1 = Files.readAttributes(path, BasicFileAttributes.class);
            byte[] b1 = readCapped(path, maxSize, true);
            sleep();
            BasicFileAttributes a2 = Files.readAttributes(path, BasicFileAttributes.class);
            byte[] b2 = readCapped(path, maxSize, true);
            if (!Arrays.equals(b1, b2) || !same(a1, a2)) {
                return Result.unstable("file " + path + " changed while being read", false);
            }
            return Result.ok(parse(path, b1), false);
        } catch (NoSuchFileException e) {
            throw rejected((wasDirectory ? "directory " : "file ") + path + " does not exist", "missing");
        } catch (BoundedFiles.NotRegularFileException e) {
            throw rejected("file " + path + " is " + e.kind() + ", not a regular file", "not-regular");
        } catch (IOException e) {
            throw rejected("file " + path + ": cannot be read (" + e.getClass().getSimpleName() + ")", "io");
        }
    }

    private Result readPlainDirectory() throws Rejected {
        try {
            SortedMap<String, byte[]> first = readAll(path, true);
            List<BasicFileAttributes> a1 = attributes(first.keySet());
            sleep();
            SortedMap<String, byte[]> second = readAll(path, true);
            List<BasicFileAttributes> a2 = attributes(second.keySet());
            if (!sameContent(first, second) || a1.size() != a2.size()) {
                return Result.unstable("directory " + path + " changed while being read", false);
            }
            for (int i = 0; i < a1.size(); i++) {
                if (!same(a1.get(i), a2.get(i))) {
                    return Result.unstable("directory " + path + " changed while being read", false);
                }
            }
            return Result.ok(parseDirectory(first), false);
        } catch (NoSuchFileException e) {
            return Result.unstable("directory " + path + " changed while being read", false);
        } catch (IOException e) {
            throw rejected(
                    "directory " + path + ": cannot be read (" + e.getClass().getSimpleName() + ")", "io");
        }
    }

    private List<BasicFileAttributes> attributes(Set<String> names) throws IOException {
        List<BasicFileAttributes> out = new ArrayList<>();
        for (String n : names) {
            out.add(Files.readAttributes(path.resolve(n), BasicFileAttributes.class));
        }
        return out;
    }

    /**
     * Every file whose name does not start with a dot, within the size cap. Each must be a regular file: a
     * key that cannot be read fails the whole snapshot rather than being left out of it. In a volume's data
     * directory ({@code plain} false) kubelet writes regular files, so a link there is refused; in a plain
     * directory a link is followed only to a file inside the same directory.
     */
    private SortedMap<String, byte[]> readAll(Path dir, boolean plain) throws IOException, Rejected {
        SortedMap<String, byte[]> files = new TreeMap<>();
        long total = 0;
        Path realDir = plain ? dir.toRealPath() : null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(".")) {
                    continue;
                }
                if (files.size() >= Formats.MAX_KEYS) {
                    // Empty files cost nothing against maxSize: the key cap bounds a directory of them.
                    throw rejected(
                            "directory " + path + ": has more than " + Formats.MAX_KEYS
                                    + " files, more than the limit of keys per secret",
                            "too-many:" + files.size());
                }
                if (plain
                        && Files.isSymbolicLink(p)
                        && !p.toRealPath().getParent().equals(realDir)) {
                    throw rejected(
                            "directory " + path + ": " + n + " is a symbolic link that leaves the directory;"
                                    + " only files inside it are read",
                            "escapes:" + n);
                }
                byte[] b;
                try {
                    b = readCapped(p, maxSize - total, plain);
                } catch (BoundedFiles.NotRegularFileException e) {
                    throw rejected(
                            "directory " + path + ": " + n + " is " + e.kind()
                                    + ", not a regular file; every entry of a directory secret is a key",
                            "not-regular:" + n);
                }
                total += b.length;
                files.put(n, b);
            }
        }
        return files;
    }

    private byte[] readCapped(Path file, long limit, boolean followLinks) throws IOException, Rejected {
        try {
            return BoundedFiles.read(file, limit, followLinks);
        } catch (BoundedFiles.TooLargeException e) {
            throw tooBig(e.size());
        }
    }

    private Rejected tooBig(long size) {
        return rejected(
                (Files.isDirectory(path) ? "directory " : "file ") + path + " is over the size limit of " + maxSize
                        + " bytes (" + (size > maxSize ? size + " bytes" : "more in total")
                        + "; raise maxSize to accept it)",
                "too-big:" + size);
    }

    private static boolean same(BasicFileAttributes a, BasicFileAttributes b) {
        return a.size() == b.size()
                && a.lastModifiedTime().equals(b.lastModifiedTime())
                && Objects.equals(a.fileKey(), b.fileKey());
    }

    private static boolean sameContent(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static Path readLink(Path link) throws Rejected {
        try {
            return Files.readSymbolicLink(link);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new Rejected(
                    new FileSecretException(
                            link, "cannot read " + link + " (" + e.getClass().getSimpleName() + ")"),
                    "link");
        }
    }

    private void sleep() {
        try {
            Thread.sleep(settle.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Rejected rejected(String message, String fingerprint) {
        return new Rejected(new FileSecretException(path, message), fingerprint);
    }

    private static String sha(byte[] b) {
        return HexFormat.of().formatHex(FileSecret.digest().digest(b));
    }
}
