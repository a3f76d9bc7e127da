package dev.scaivault.testkit.files;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer produces the events FILE-UPDATES.md section 1 lists for a real kubelet update. */
class KubeletVolumeEventsIT {
    @TempDir
    Path tmp;

    @Test
    void anUpdateShowsTheSwapButNeverTheFilesOwnName() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("password", "p1"));
        String oldTs = vol.dataDir().getFileName().toString();
        try (WatchService ws = FileSystems.getDefault().newWatchService()) {
            vol.dir().register(ws, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
            vol.writeStrings(Map.of("password", "p2"));
            String newTs = vol.dataDir().getFileName().toString();
            List<String> events = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!events.contains("ENTRY_DELETE " + oldTs) && System.nanoTime() < end) {
                WatchKey k = ws.poll(100, TimeUnit.MILLISECONDS);
                if (k != null) {
                    for (WatchEvent<?> e : k.pollEvents()) {
                        events.add(e.kind().name() + " " + e.context());
                    }
                    k.reset();
                }
            }
            assertThat(events)
                    .contains(
                            "ENTRY_CREATE " + newTs,
                            "ENTRY_CREATE ..data_tmp",
                            "ENTRY_DELETE ..data_tmp",
                            "ENTRY_CREATE ..data",
                            "ENTRY_DELETE " + oldTs)
                    .noneMatch(e -> e.endsWith(" password"));
        }
    }
}
