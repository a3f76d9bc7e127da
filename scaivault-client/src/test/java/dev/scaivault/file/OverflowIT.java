package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Path f = Files.createDirectories(tmp.resolve("s")).resolve("a.json");
        new RenameOverWriter().write(f, "{\"a\":\"1\"}");
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("vol"));
        vol.writeStrings(Map.of("cert", "v0", "key", "v0"));
        // The error listener runs on the watcher thread: blocking it there holds every event in the queue.
        try (FileSecretSource a = FileSecretSource.builder(f)
                        .onError(e -> {
                            busy.countDown();
                            try {
                                release.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException ie) {
                                Thread.currentThread().interrupt();
                            }
                        })
                        .build();
                FileSecretSource b = FileSecretSource.builder(vol.dir()).build()) {
            Recorder r =
                    Recorder.on(b, x -> x.values().get("cert").equals(x.values().get("key")));
            new RenameOverWriter().write(f, "not json");
            assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 200; i++) {
                vol.writeStrings(Map.of("cert", "v" + i, "key", "v" + i));
            }
            release.countDown();
            r.awaitLast(Map.of("cert", "v200", "key", "v200"), Recorder.WITHIN);
            r.assertAllWhole();
            assertThat(r.seen).hasSize(2);
            assertThat(log.list).anyMatch(e -> e.getFormattedMessage().contains("overflowed"));
            assertThat(a.current().values()).containsEntry("a", "1");
        } finally {
            watcherLog.detachAppender(log);
        }
    }
}
