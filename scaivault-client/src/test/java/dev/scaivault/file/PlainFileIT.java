package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.InPlaceWriter;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.PlainFiles;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FILE-UPDATES.md section 7, scenarios 8-11, 14 and 15: files written by sidecars into an emptyDir. */
class PlainFileIT {
    @TempDir
    Path tmp;

    private static String json(String v) {
        return "{\"username\":\"app\",\"password\":\"pw-" + v + "\"}";
    }

    private static Map<String, String> creds(String v) {
        return Map.of("username", "app", "password", "pw-" + v);
    }

    private static boolean whole(FileSecret s) {
        return s.values().keySet().equals(Set.of("username", "password"))
                && s.values().get("password").matches("pw-v\\d+");
    }

    private Path file(String v) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("secrets"));
        Path f = dir.resolve("db.json");
        new RenameOverWriter().write(f, json(v));
        return f;
    }

    @Test
    void scenario8RenameOverLikeConsulTemplate() throws Exception {
        Path f = file("v1");
        try (SecretSource<FileSecret> s = FileSource.builder(f).build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            new RenameOverWriter().write(f, json("v2"));
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(creds("v2"));
            assertThat(Files.getPosixFilePermissions(f))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            r.assertAllWhole();
        }
    }

    @Test
    void scenario8VariantWithHardLinkBackupAndChownAfter() throws Exception {
        Path f = file("v1");
        int gid = (Integer) Files.getAttribute(tmp, "unix:gid");
        RenameOverWriter w = new RenameOverWriter().backup(true).chownAfter(gid).mode("rw-r-----");
        try (SecretSource<FileSecret> s = FileSource.builder(f).build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            w.write(f, json("v2"));
            r.awaitCount(2);
            w.write(f, json("v3"));
            r.awaitCount(3);
            r.assertStaysAt(3);
            assertThat(r.last()).isEqualTo(creds("v3"));
            assertThat(Files.readString(f.resolveSibling("db.json.bak"))).isEqualTo(json("v2"));
            r.assertAllWhole();
        }
    }

    @ParameterizedTest(name = "pause {0} ms")
    @ValueSource(ints = {0, 50, 300, 2000})
    void scenario9InPlaceTruncateAndWriteInTwoParts(int pauseMs) throws Exception {
        Path f = file("v1");
        String full = json("v2");
        String part1 = full.substring(0, full.length() / 2);
        String part2 = full.substring(full.length() / 2);
        try (SecretSource<FileSecret> s = FileSource.builder(f).build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            new InPlaceWriter(Duration.ofMillis(pauseMs)).write(f, part1, part2);
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(creds("v2"));
            r.assertAllWhole();
        }
    }

    @ParameterizedTest(name = "recreated after {0} ms")
    @ValueSource(ints = {0, 200, 5000})
    void scenario10DeleteThenRecreate(int gapMs) throws Exception {
        Path f = file("v1");
        try (SecretSource<FileSecret> s = FileSource.builder(f).build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            PlainFiles.deleteAndRecreate(f, json("v2"), Duration.ofMillis(gapMs));
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(creds("v2"));
            r.assertAllWhole();
        }
    }

    @Test
    void scenario11WatchedDirectoryRemovedAndRecreated() throws Exception {
        Path f = file("v1");
        try (SecretSource<FileSecret> s = FileSource.builder(f).build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            PlainFiles.removeTree(f.getParent());
            Files.createDirectories(f.getParent());
            new RenameOverWriter().write(f, json("v2"));
            r.awaitCount(2);
            // And the new directory is watched: a later update arrives too.
            new RenameOverWriter().write(f, json("v3"));
            r.awaitCount(3);
            r.assertStaysAt(3);
            assertThat(r.last()).isEqualTo(creds("v3"));
            r.assertAllWhole();
        }
    }

    @Test
    void scenario11VolumeDirectoryRemovedAndRecreated() {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(creds("v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            PlainFiles.removeTree(vol.dir());
            KubeletVolume again = KubeletVolume.at(vol.dir());
            again.writeStrings(creds("v2"));
            r.awaitLast(creds("v2"), Recorder.WITHIN);
            again.writeStrings(creds("v3"));
            r.awaitLast(creds("v3"), Recorder.WITHIN);
            r.assertAllWhole();
        }
    }

    @Test
    void scenario14InvalidContentIsRejectedAndTheNextValidOneDelivered() throws Exception {
        Path f = file("v1");
        List<FileSecretException> errors = new CopyOnWriteArrayList<>();
        try (SecretSource<FileSecret> s = FileSource.builder(f)
                .format(FileFormat.JSON)
                .onError(errors::add)
                .build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            new RenameOverWriter().write(f, "");
            await().atMost(Recorder.WITHIN).until(() -> errors.size() == 1);
            assertThat(errors.get(0)).hasMessageContaining(f.toString()).hasMessageContaining("is empty");
            new RenameOverWriter().write(f, "garbage, not JSON");
            await().atMost(Recorder.WITHIN).until(() -> errors.size() == 2);
            assertThat(errors.get(1)).hasMessageContaining("not valid JSON at line 1");
            assertThat(s.status().lastError()).get().asString().contains("not valid JSON");
            assertThat(s.current().values()).isEqualTo(creds("v1"));
            r.assertStaysAt(1);
            new RenameOverWriter().write(f, json("v2"));
            r.awaitCount(2);
            assertThat(r.last()).isEqualTo(creds("v2"));
            assertThat(s.status().stale()).isFalse();
            r.assertAllWhole();
        }
    }

    @Test
    void scenario14ValidatorRejectsAndTheNextAcceptedOneIsDelivered() throws Exception {
        Path f = file("v1");
        List<FileSecretException> errors = new CopyOnWriteArrayList<>();
        try (SecretSource<FileSecret> s = FileSource.builder(f)
                .validator(x -> {
                    if (x.values().get("password").length() < 5) {
                        throw new IllegalArgumentException("password shorter than 5 characters");
                    }
                })
                .onError(errors::add)
                .build()) {
            Recorder r = Recorder.on(s, x -> x.values().get("password").length() >= 5);
            new RenameOverWriter().write(f, "{\"username\":\"app\",\"password\":\"x\"}");
            await().atMost(Recorder.WITHIN).until(() -> errors.size() == 1);
            assertThat(errors.get(0)).hasMessageContaining("password shorter than 5 characters");
            new RenameOverWriter().write(f, json("v2"));
            r.awaitCount(2);
            r.assertAllWhole();
        }
    }

    @Test
    void scenario15ChmodOnlyDeliversNothing() throws Exception {
        Path f = file("v1");
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("vol"));
        vol.writeStrings(creds("v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(f).build();
                SecretSource<FileSecret> v = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            Recorder rv = Recorder.on(v, PlainFileIT::whole);
            PlainFiles.chmod(f, "rw-------");
            PlainFiles.chmod(vol.dir().resolve("password"), "rw-------");
            r.assertStaysAt(1);
            rv.assertStaysAt(1);
        }
    }

    @Test
    void aVolumeMountedAfterAnEmptyStartIsWatchedItself() {
        Path dir = tmp.resolve("late");
        List<FileSecretException> errors = new CopyOnWriteArrayList<>();
        try (SecretSource<FileSecret> s =
                FileSource.builder(dir).startWithoutValue().onError(errors::add).build()) {
            assertThat(s.status().hasValue()).isFalse();
            assertThat(errors).singleElement().asString().contains(dir + " does not exist");
            KubeletVolume vol = KubeletVolume.at(dir);
            vol.writeStrings(creds("v1"));
            await().atMost(Recorder.WITHIN).until(() -> s.status().hasValue());
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            vol.writeStrings(creds("v2"));
            r.awaitCount(2);
            assertThat(r.last()).isEqualTo(creds("v2"));
        }
    }

    @Test
    void plainDirectoryWrittenKeyByKey() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("emptydir"));
        RenameOverWriter w = new RenameOverWriter();
        w.write(dir.resolve("username"), "app");
        w.write(dir.resolve("password"), "pw-v1");
        try (SecretSource<FileSecret> s = FileSource.builder(dir).build()) {
            Recorder r = Recorder.on(s, PlainFileIT::whole);
            w.write(dir.resolve("password"), "pw-v2");
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(creds("v2"));
            r.assertAllWhole();
        }
    }
}
