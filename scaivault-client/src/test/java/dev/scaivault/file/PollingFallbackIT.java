package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.Time;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FILE-UPDATES.md section 7, scenario 16: no WatchService (inotify instances exhausted) means polling. */
class PollingFallbackIT {
    private static final Duration POLL = Duration.ofMillis(500);

    @TempDir
    Path tmp;

    private final FileWatcher polling = new FileWatcher(
            () -> {
                throw new IOException("inotify instances exhausted (forced by the test)");
            },
            Time.daemons("scaivault-test-poller"));

    @AfterEach
    void stop() {
        polling.close();
    }

    @Test
    void scenario16PollingDetectsAKubeletUpdateWithinTheInterval() {
        assertThat(polling.polling()).isTrue();
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("username", "app", "password", "pw-v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir())
                .pollInterval(POLL)
                .watcher(polling)
                .build()) {
            Recorder r = Recorder.on(s, x -> x.values().size() == 2);
            vol.writeStrings(Map.of("username", "app", "password", "pw-v2"));
            // One poll interval, plus the read itself.
            await().atMost(POLL.plusMillis(300))
                    .untilAsserted(() -> assertThat(r.seen).hasSize(2));
            assertThat(r.last()).containsEntry("password", "pw-v2");
            r.assertStaysAt(2);
            r.assertAllWhole();
        }
    }

    @Test
    void pollingAlsoCoversPlainFiles() throws Exception {
        Path f = Files.createDirectories(tmp.resolve("s")).resolve("db.env");
        new RenameOverWriter().write(f, "PASSWORD=pw-v1\n");
        try (SecretSource<FileSecret> s =
                FileSource.builder(f).pollInterval(POLL).watcher(polling).build()) {
            assertThat(s.current().format()).isEqualTo(FileFormat.DOTENV);
            Recorder r = Recorder.on(s, x -> x.values().containsKey("PASSWORD"));
            new RenameOverWriter().write(f, "PASSWORD=pw-v2\n");
            await().atMost(POLL.plusMillis(300))
                    .untilAsserted(() -> assertThat(r.seen).hasSize(2));
            assertThat(r.last()).containsEntry("PASSWORD", "pw-v2");
        }
    }
}
