package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files no writer of ours would produce, in the places the file sources read: FIFOs, directories and
 * links leaving the volume where keys should be, bytes that are not UTF-8, a validator that throws an
 * {@link Error}. Each fails one update of one source, clearly and by name; the last good value stays, the
 * JVM's shared watcher thread keeps serving every other source, and the source recovers once the input is
 * fixed.
 */
class HostileFilesIT {
    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    private static final AtomicInteger GENERATION = new AtomicInteger();

    @TempDir
    Path tmp;

    /** What one key of a hand-made volume is. */
    sealed interface Entry permits Text, Bytes, Fifo, Dir {}

    record Text(String value) implements Entry {}

    record Bytes(byte[] value) implements Entry {}

    record Fifo() implements Entry {}

    record Dir() implements Entry {}

    static void mkfifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assumeThat(p.waitFor()).as("mkfifo works here").isZero();
    }

    /**
     * Swaps a new data directory into the kubelet-style volume {@code dir} the way the atomic writer does,
     * holding whatever {@code entries} say, and removes the old one; never reads what was there (a FIFO).
     */
    static void swap(Path dir, Map<String, Entry> entries) throws Exception {
        Files.createDirectories(dir);
        Path data = dir.resolve("..data");
        Path old = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
        String ts = "..2026_12_03_00_00_00." + GENERATION.incrementAndGet();
        Path tsDir = Files.createDirectory(dir.resolve(ts));
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Path f = tsDir.resolve(e.getKey());
            Entry v = e.getValue();
            if (v instanceof Text t) {
                Files.writeString(f, t.value());
            } else if (v instanceof Bytes b) {
                Files.write(f, b.value());
            } else if (v instanceof Fifo) {
                mkfifo(f);
            } else {
                Files.createDirectory(f);
            }
            Path visible = dir.resolve(e.getKey());
            if (!Files.isSymbolicLink(visible)) {
                Files.createSymbolicLink(visible, Path.of("..data", e.getKey()));
            }
        }
        relink(dir, Path.of(ts));
        if (old != null) {
            try (var s = Files.walk(old)) {
                s.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    static void relink(Path dir, Path target) throws IOException {
        Path tmpLink = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmpLink, target);
        Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
    }

    static Map<String, Entry> creds(String password) {
        return Map.of("username", new Text("app"), "password", new Text(password));
    }

    static String errorOf(SecretSource<FileSecret> s) {
        return s.status().lastError().orElse("");
    }

    @Test
    void aFifoInAVolumeFailsThatUpdateByNameWhileTheWatcherKeepsServingEveryOtherSource() throws Exception {
        Path a = tmp.resolve("a");
        swap(a, creds("pw-a1"));
        KubeletVolume b = KubeletVolume.at(tmp.resolve("b"));
        b.writeStrings(Map.of("username", "app", "password", "pw-b1"));
        try (SecretSource<FileSecret> sa = FileSource.builder(a).build();
                SecretSource<FileSecret> sb = FileSource.builder(b.dir()).build()) {
            swap(a, Map.of("username", new Text("app"), "password", new Fifo()));
            await().atMost(PROMPTLY)
                    .until(() -> errorOf(sa).contains("password is a FIFO, socket or device, not a regular file"));
            assertThat(sa.current().values()).containsEntry("password", "pw-a1");

            // Was: the watcher thread blocked opening the FIFO, and no source in the JVM saw another update.
            b.writeStrings(Map.of("username", "app", "password", "pw-b2"));
            await().atMost(PROMPTLY)
                    .until(() -> "pw-b2".equals(sb.current().values().get("password")));
            CompletableFuture<FileSecret> refresh = sa.refreshNow();
            assertThat(refresh).failsWithin(PROMPTLY);

            swap(a, creds("pw-a2"));
            await().atMost(PROMPTLY)
                    .until(() -> "pw-a2".equals(sa.current().values().get("password")));
            assertThat(sa.status().lastError()).isEmpty();
        }
    }

    @Test
    void aKeyThatIsADirectoryFailsTheUpdateInsteadOfBeingLeftOut() throws Exception {
        Path a = tmp.resolve("a");
        swap(a, creds("pw-1"));
        try (SecretSource<FileSecret> s = FileSource.builder(a).build()) {
            swap(a, Map.of("username", new Text("app"), "password", new Dir()));
            // Was: the key was dropped and a secret without a password published.
            await().atMost(PROMPTLY).until(() -> errorOf(s).contains("password is a directory, not a regular file"));
            assertThat(s.current().values()).containsEntry("password", "pw-1");
        }
    }

    @Test
    void bytesThatAreNotUtf8InAVolumeAreRefusedLikeInEveryOtherFormat() throws Exception {
        Path a = tmp.resolve("a");
        swap(a, creds("pw-1"));
        try (SecretSource<FileSecret> s = FileSource.builder(a).build()) {
            swap(a, Map.of("username", new Text("app"), "password", new Bytes(new byte[] {'p', (byte) 0xc3, 'w'})));
            await().atMost(PROMPTLY).until(() -> errorOf(s).contains("file password: is not valid UTF-8"));
            assertThat(s.current().values()).containsEntry("password", "pw-1");
        }
    }

    @Test
    void aDataLinkPointingOutsideTheVolumeIsNotFollowed() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(outside.resolve("password"), "not-a-secret-of-this-volume");
        Path a = tmp.resolve("a");
        swap(a, creds("pw-1"));
        try (SecretSource<FileSecret> s = FileSource.builder(a).build()) {
            relink(a, outside.toAbsolutePath());
            // Was: followed, and the whole directory it named was published as the secret.
            await().atMost(PROMPTLY).until(() -> errorOf(s)
                    .contains("..data points to " + outside.toAbsolutePath() + ", outside the volume"));
            assertThat(s.current().values()).containsEntry("password", "pw-1");
            relink(a, Path.of("..", "elsewhere"));
            await().atMost(PROMPTLY).until(() -> errorOf(s).contains("..data points to ../elsewhere"));
        }
        assertThatThrownBy(() -> FileSource.builder(a).build())
                .isInstanceOf(FileSecretException.class)
                .hasMessageContaining("outside the volume");
    }

    @Test
    void aFifoOrAnEscapingLinkInAPlainDirectoryIsNamedNotDropped() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(dir.resolve("username"), "app");
        mkfifo(dir.resolve("password"));
        assertTimeoutPreemptively(
                PROMPTLY, () -> assertThatThrownBy(() -> FileSource.builder(dir).build())
                        .isInstanceOf(FileSecretException.class)
                        .hasMessageContaining(
                                "directory " + dir + ": password is a FIFO, socket or device, not a regular file"));

        Files.delete(dir.resolve("password"));
        Path outside = Files.writeString(tmp.resolve("shadow"), "x");
        Files.createSymbolicLink(dir.resolve("password"), outside);
        assertThatThrownBy(() -> FileSource.builder(dir).build())
                .hasMessageContaining("password is a symbolic link that leaves the directory");

        Files.delete(dir.resolve("password"));
        Files.writeString(dir.resolve(".real-password"), "pw-1");
        Files.createSymbolicLink(dir.resolve("password"), Path.of(".real-password"));
        try (SecretSource<FileSecret> s = FileSource.builder(dir).build()) {
            assertThat(s.current().values()).containsEntry("password", "pw-1");
        }
    }

    @Test
    void aValidatorThrowingAnErrorFailsOneUpdateAndTheSourceRecoversWhenTheFileIsFixed() throws Exception {
        KubeletVolume a = KubeletVolume.at(tmp.resolve("a"));
        KubeletVolume b = KubeletVolume.at(tmp.resolve("b"));
        a.writeStrings(Map.of("username", "app", "password", "pw-1"));
        b.writeStrings(Map.of("username", "app", "password", "pw-1"));
        try (SecretSource<FileSecret> sa = FileSource.builder(a.dir())
                        .validator(s -> {
                            if (s.values().get("password").startsWith("bad")) {
                                throw new AssertionError("password must not start with bad");
                            }
                        })
                        .build();
                SecretSource<FileSecret> sb = FileSource.builder(b.dir()).build()) {
            a.writeStrings(Map.of("username", "app", "password", "bad-2"));
            await().atMost(PROMPTLY).until(() -> errorOf(sa).contains("java.lang.AssertionError"));
            assertThat(sa.current().values()).containsEntry("password", "pw-1");
            // Was: the AssertionError ended the JVM-wide watcher thread; no source saw another update.
            b.writeStrings(Map.of("username", "app", "password", "pw-2"));
            await().atMost(PROMPTLY)
                    .until(() -> "pw-2".equals(sb.current().values().get("password")));
            a.writeStrings(Map.of("username", "app", "password", "pw-3"));
            await().atMost(PROMPTLY)
                    .until(() -> "pw-3".equals(sa.current().values().get("password")));
        }
    }

    @Test
    void aDirectoryThatBecomesAVolumeDeliversItsFirstUpdateAtOnceNotAfterTheQuietPeriod() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("csi"));
        KubeletVolume vol = KubeletVolume.at(dir).order(KubeletVolume.Order.LEGACY);
        // A quiet period far longer than the waits below: only reading the volume at once can meet them.
        try (SecretSource<FileSecret> s = FileSource.builder(dir)
                .startWithoutValue()
                .quietPeriod(Duration.ofSeconds(8))
                .maxDelay(Duration.ofSeconds(20))
                .build()) {
            Recorder r = new Recorder(x -> x.values().containsKey("password"));
            s.subscribe(r);
            for (int i = 1; i <= 3; i++) {
                vol.writeStrings(Map.of("username", "app", "password", "pw-" + i));
                String expected = "pw-" + i;
                await().atMost(3, TimeUnit.SECONDS)
                        .until(() ->
                                !r.seen.isEmpty() && expected.equals(r.last().get("password")));
            }
            assertThat(r.values()).extracting(m -> m.get("password")).containsExactly("pw-1", "pw-2", "pw-3");
            r.assertAllWhole();
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
