package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.SecretUnavailableException;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.HandOff;
import dev.scaivault.source.SecretChange;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials from files: a file source mapped with {@code Credentials.fromKeys}. */
class FileCredentialsIT {
    @TempDir
    Path tmp;

    @Test
    void credentialsFromAVolumeFollowUpdates() {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("username", "app", "password", "pw-v1"));
        try (SecretSource<Credentials> s = FileSource.builder(vol.dir()).build().map(Credentials.fromKeys())) {
            Credentials c = s.current();
            assertThat(c.username()).isEqualTo("app");
            assertThat(c.password()).isEqualTo("pw-v1");
            assertThat(c.origin()).matches("file " + vol.dir() + " sha256:[0-9a-f]{8}");
            assertThat(c.toString()).doesNotContain("pw-v1");
            List<Credentials> seen = new CopyOnWriteArrayList<>();
            s.subscribe(ch -> seen.add(ch.current()));
            vol.writeStrings(Map.of("username", "app", "password", "pw-v2"));
            await().atMost(Recorder.WITHIN).until(() -> seen.size() == 2);
            assertThat(seen.get(1).password()).isEqualTo("pw-v2");
            assertThat(s.current().password()).isEqualTo("pw-v2");
            assertThat(s.refreshNow().join().password()).isEqualTo("pw-v2");
        }
    }

    @Test
    void customKeysFromOneFileAndAMissingKeyIsRejected() throws Exception {
        Path f = Files.createDirectories(tmp.resolve("s")).resolve("db.env");
        RenameOverWriter w = new RenameOverWriter();
        w.write(f, "DB_USER=app\nDB_PASS=pw-v1\n");
        try (SecretSource<Credentials> s =
                FileSource.builder(f).build().map(Credentials.fromKeys("DB_USER", "DB_PASS"))) {
            assertThat(s.current().password()).isEqualTo("pw-v1");
            w.write(f, "DB_USER=app\n");
            await().atMost(Recorder.WITHIN).until(() -> s.status().stale());
            assertThat(s.status().lastError()).get().asString().contains("key DB_PASS is missing");
            assertThat(s.current().password()).isEqualTo("pw-v1");
            assertThatThrownBy(() -> s.refreshNow().join()).hasMessageContaining("DB_PASS");
            w.write(f, "DB_USER=app\nDB_PASS=pw-v2\n");
            await().atMost(Recorder.WITHIN).until(() -> s.current().password().equals("pw-v2"));
            assertThat(s.status().stale()).isFalse();
        }
    }

    @Test
    void startFailsClosedNamingTheFile() throws Exception {
        Path f = Files.createDirectories(tmp.resolve("s")).resolve("db.json");
        new RenameOverWriter().write(f, "{\"username\":\"app\"}");
        assertThatThrownBy(() -> FileSource.builder(f).build().map(Credentials.fromKeys()))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("key password is missing");
    }

    @Test
    void aDeferredHandOffIsPassedThrough() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("username", "app", "password", "pw-v1"));
        SecretSource<FileSecret> files = FileSource.builder(vol.dir()).build();
        try (SecretSource<Credentials> s = files.map(Credentials.fromKeys())) {
            AtomicReference<HandOff> held = new AtomicReference<>();
            List<SecretChange<? extends Credentials>> changes = new CopyOnWriteArrayList<>();
            s.subscribe(ch -> {
                changes.add(ch);
                if (ch.previous() != null) {
                    held.set(ch.deferHandOff());
                }
            });
            vol.writeStrings(Map.of("username", "app", "password", "pw-v2"));
            await().atMost(Recorder.WITHIN).until(() -> held.get() != null);
            assertThat(changes.get(1).previous().password()).isEqualTo("pw-v1");
            var fileHandOff = ((WatchedFile) files).lastHandOff();
            await().during(java.time.Duration.ofMillis(300))
                    .atMost(java.time.Duration.ofSeconds(1))
                    .until(() -> !fileHandOff.isDone());
            held.get().complete();
            await().atMost(java.time.Duration.ofSeconds(1)).until(fileHandOff::isDone);
        }
    }
}
