package dev.scaivault.testkit.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replays kubelet's atomic writer ({@code pkg/volume/util/atomic_writer.go}) on a real directory, step by step,
 * so tests see exactly the file operations (and therefore the inotify events) of a Secret, projected or
 * ConfigMap volume update:
 *
 * <pre>
 * D/..2026_11_22_10_02_49.3971807363/   real files (dir mode 0755)
 * D/..data -&gt; ..2026_11_22_10_02_49.3971807363
 * D/password -&gt; ..data/password
 * </pre>
 *
 * <p>{@link Order#CURRENT} is kubelet's order since about 1.23; {@link Order#LEGACY} is the older order still
 * vendored by the Secrets Store CSI driver and cert-manager's csi-lib, where the visible symlinks of new keys
 * are created before the {@code ..data} swap (so they dangle briefly). Not thread-safe: one writer per
 * volume, as in kubelet.
 */
public final class KubeletVolume {
    /** The order of the atomic writer's steps. */
    public enum Order {
        /** kubelet &gt;= ~1.23: swap {@code ..data}, then create new visible symlinks, then remove old ones. */
        CURRENT,
        /** Secrets Store CSI driver, cert-manager csi-lib: new visible symlinks first, then the swap. */
        LEGACY
    }

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss");
    private static final Set<PosixFilePermission> DIR_0700 = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> DIR_0755 = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE_0644 = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> FILE_0640 = PosixFilePermissions.fromString("rw-r-----");

    private final Path dir;
    private Order order = Order.CURRENT;
    private Integer fsGroup;
    private volatile long lastSwapNanos;

    private KubeletVolume(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** A volume at {@code dir} (created if missing, like the kubelet's mount point); nothing is written yet. */
    public static KubeletVolume at(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create volume directory " + dir, e);
        }
        return new KubeletVolume(dir);
    }

    /** Uses the given order of steps for every later write. */
    public KubeletVolume order(Order order) {
        this.order = Objects.requireNonNull(order, "order");
        return this;
    }

    /**
     * Replays a pod's {@code fsGroup}: every new file gets group {@code gid} and mode 0640, and the new
     * directory is chowned too, before the swap (the extra ATTRIB events a real volume with fsGroup shows).
     */
    public KubeletVolume fsGroup(int gid) {
        this.fsGroup = gid;
        return this;
    }

    public Path dir() {
        return dir;
    }

    /** Writes a payload of UTF-8 strings; see {@link #write(Map)}. */
    public boolean writeStrings(Map<String, String> payload) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        payload.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return write(bytes);
    }

    /**
     * One sync of the volume with {@code payload} (key = file name, no slashes). If the payload equals what
     * is in the current data directory, nothing is written, exactly as kubelet does, except that a missing
     * visible symlink is recreated.
     *
     * @return true if a new data directory was written and swapped in
     */
    public boolean write(Map<String, byte[]> payload) {
        Map<String, byte[]> clean = new TreeMap<>(payload);
        clean.keySet().forEach(KubeletVolume::checkKey);
        try {
            Path dataLink = dir.resolve("..data");
            String oldTs = currentTsName();
            Set<String> oldKeys = oldTs == null ? Set.of() : listKeys(dir.resolve(oldTs));
            boolean shouldWrite = oldTs == null || !samePayload(dir.resolve(oldTs), clean);
            if (!shouldWrite) {
                createUserVisibleFiles(clean.keySet());
                return false;
            }
            if (order == Order.LEGACY) {
                createUserVisibleFiles(clean.keySet());
            }
            String ts = newTsName();
            Path tsDir = dir.resolve(ts);
            Files.createDirectory(tsDir, PosixFilePermissions.asFileAttribute(DIR_0700));
            Files.setPosixFilePermissions(tsDir, DIR_0755);
            for (Map.Entry<String, byte[]> e : clean.entrySet()) {
                Path f = tsDir.resolve(e.getKey());
                Files.write(
                        f,
                        e.getValue(),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                Files.setPosixFilePermissions(f, FILE_0644);
            }
            if (fsGroup != null) {
                Files.setAttribute(tsDir, "unix:gid", fsGroup, LinkOption.NOFOLLOW_LINKS);
                for (String k : clean.keySet()) {
                    Path f = tsDir.resolve(k);
                    Files.setAttribute(f, "unix:gid", fsGroup, LinkOption.NOFOLLOW_LINKS);
                    Files.setPosixFilePermissions(f, FILE_0640);
                }
            }
            Path tmpLink = dir.resolve("..data_tmp");
            Files.createSymbolicLink(tmpLink, Path.of(ts));
            Files.move(tmpLink, dataLink, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            lastSwapNanos = System.nanoTime();
            if (order == Order.CURRENT) {
                createUserVisibleFiles(clean.keySet());
            }
            for (String k : oldKeys) {
                if (!clean.containsKey(k)) {
                    Files.deleteIfExists(dir.resolve(k));
                }
            }
            if (oldTs != null) {
                removeAll(dir.resolve(oldTs));
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("kubelet-style write to " + dir + " failed", e);
        }
    }

    /** {@link System#nanoTime()} right after the last {@code rename(..data_tmp, ..data)}. */
    public long lastSwapNanos() {
        return lastSwapNanos;
    }

    /** The current timestamped data directory, or null before the first write. */
    public Path dataDir() {
        String ts = currentTsName();
        return ts == null ? null : dir.resolve(ts);
    }

    /** Removes one visible symlink (as a user or a broken sync might), leaving the data untouched. */
    public void removeVisibleSymlink(String key) {
        try {
            Files.deleteIfExists(dir.resolve(checkKey(key)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir.resolve(key), e);
        }
    }

    /**
     * Empties the volume completely, as a failed kubelet resync can (Kubernetes #113242): visible names,
     * {@code ..data} and every data directory disappear; the mount point stays.
     */
    public void vanish() {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                removeAll(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty " + dir, e);
        }
    }

    private void createUserVisibleFiles(Set<String> keys) throws IOException {
        for (String k : keys) {
            Path visible = dir.resolve(k);
            if (!Files.exists(visible, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createSymbolicLink(visible, Path.of("..data", k));
                } catch (FileAlreadyExistsException ignored) {
                    // Created between the check and here; kubelet treats that as done too.
                }
            }
        }
    }

    private String currentTsName() {
        try {
            return Files.readSymbolicLink(dir.resolve("..data")).toString();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("..data"), e);
        }
    }

    private static String newTsName() {
        long rand = ThreadLocalRandom.current().nextLong(1L << 32);
        return ".." + ZonedDateTime.now(ZoneOffset.UTC).format(TS) + '.' + rand;
    }

    private static Set<String> listKeys(Path tsDir) throws IOException {
        Set<String> keys = new java.util.TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tsDir)) {
            for (Path p : ds) {
                keys.add(p.getFileName().toString());
            }
        } catch (NoSuchFileException e) {
            return Set.of();
        }
        return keys;
    }

    private static boolean samePayload(Path tsDir, Map<String, byte[]> payload) throws IOException {
        if (!listKeys(tsDir).equals(payload.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : payload.entrySet()) {
            if (!Arrays.equals(Files.readAllBytes(tsDir.resolve(e.getKey())), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static String checkKey(String key) {
        if (key.isEmpty() || key.contains("/") || key.startsWith("..")) {
            throw new IllegalArgumentException("not a valid volume key: '" + key + "'");
        }
        return key;
    }

    static void removeAll(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) {
                    removeAll(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
