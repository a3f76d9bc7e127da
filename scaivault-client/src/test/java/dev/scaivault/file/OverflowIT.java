package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.scaivault.Time;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** More than 512 events queue up while the watcher thread is busy: OVERFLOW, rescan, nothing missed. */
class OverflowIT {
    @TempDir
    Path tmp;

    @Test
    void overflowWhileTheWatcherIsBusyRescansAndDeliversTheLatest() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger watcherLog = (Logger) LoggerFactory.getLogger(FileWatcher.class);
        log.start();
        watcherLog.addAppender(log);
        FileWatcher watcher = new FileWatcher(
                () -> FileSystems.getDefault().newWatchService(), Time.daemons("scaivault-test-watcher"));
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // Something the watcher thread calls that does not return: every event after it stays queued.
        Path other = Files.createDirectories(tmp.resolve("other"));
        watcher.add(
                () -> {
                    busy.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                },
                List.of(other));
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("vol"));
        vol.writeStrings(Map.of("cert", "v0", "key", "v0"));
        try (SecretSource<FileSecret> b =
                FileSource.builder(vol.dir()).watcher(watcher).build()) {
            Recorder r =
                    Recorder.on(b, x -> x.values().get("cert").equals(x.values().get("key")));
            Files.writeString(other.resolve("x"), "x");
            assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 200; i++) {
                vol.writeStrings(Map.of("cert", "v" + i, "key", "v" + i));
            }
            release.countDown();
            r.awaitLast(Map.of("cert", "v200", "key", "v200"), Recorder.WITHIN);
            r.assertAllWhole();
            assertThat(r.seen).hasSize(2);
            assertThat(log.list).anyMatch(e -> e.getFormattedMessage().contains("overflowed"));
        } finally {
            watcherLog.detachAppender(log);
            watcher.close();
        }
    }
}
