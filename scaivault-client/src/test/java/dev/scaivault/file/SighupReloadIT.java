package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.scaivault.Time;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP re-reads every file source at once, and the JVM survives it. */
class SighupReloadIT {
    @TempDir
    Path tmp;

    @Test
    void sighupRereadsAtOnceAndKeepsTheJvmAlive() throws Exception {
        // Polling every minute and no WatchService: only the SIGHUP can make the update visible in time.
        FileWatcher polling = new FileWatcher(
                () -> {
                    throw new IOException("no watch service in this test");
                },
                Time.daemons("scaivault-test-poller"));
        Path f = Files.createDirectories(tmp.resolve("s")).resolve("db.json");
        new RenameOverWriter().write(f, "{\"password\":\"pw-v1\"}");
        try (SighupReload hup = SighupReload.install();
                SecretSource<FileSecret> s = FileSource.builder(f)
                        .pollInterval(Duration.ofMinutes(1))
                        .watcher(polling)
                        .build()) {
            // A JVM started with SIGHUP ignored (nohup) cannot handle it: nothing to test then, and it says so.
            assumeTrue(SighupReload.isInstalled(), "SIGHUP is ignored by this test JVM's parent (nohup?)");
            assertThat(SighupReload.install()).isSameAs(hup);
            new RenameOverWriter().write(f, "{\"password\":\"pw-v2\"}");
            Process kill = new ProcessBuilder(
                            "kill",
                            "-HUP",
                            Long.toString(ProcessHandle.current().pid()))
                    .inheritIO()
                    .start();
            assertThat(kill.waitFor()).isZero();
            await().atMost(Duration.ofSeconds(2))
                    .until(() -> s.current().values().get("password").equals("pw-v2"));
        } finally {
            polling.close();
        }
        assertThat(SighupReload.isInstalled()).isFalse();
    }
}
