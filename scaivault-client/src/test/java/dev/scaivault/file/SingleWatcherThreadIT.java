package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One WatchService and one thread for the whole JVM, however many files and directories are watched. */
class SingleWatcherThreadIT {
    @TempDir
    Path tmp;

    private static List<String> watcherThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("scaivault-file-watcher")) {
                names.add(t.getName() + (t.isDaemon() ? "" : " (not a daemon!)"));
            }
        }
        return names;
    }

    @Test
    void fortyVolumesAndFortyFilesInTwentyDirectoriesShareOneThread() throws Exception {
        List<SecretSource<FileSecret>> sources = new ArrayList<>();
        List<KubeletVolume> volumes = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                KubeletVolume v = KubeletVolume.at(tmp.resolve("vol" + i));
                v.writeStrings(Map.of("password", "pw-" + i));
                volumes.add(v);
                sources.add(FileSource.builder(v.dir()).build());
            }
            for (int i = 0; i < 40; i++) {
                Path f = Files.createDirectories(tmp.resolve("dir" + (i % 20))).resolve("s" + i + ".json");
                new RenameOverWriter().write(f, "{\"password\":\"pw-" + i + "\"}");
                sources.add(FileSource.builder(f).build());
            }
            assertThat(watcherThreads()).containsExactly("scaivault-file-watcher-1");
            // And that one thread serves them all.
            volumes.get(39).writeStrings(Map.of("password", "pw-new"));
            await().atMost(Recorder.WITHIN)
                    .until(() ->
                            sources.get(39).current().values().get("password").equals("pw-new"));
            assertThat(watcherThreads()).containsExactly("scaivault-file-watcher-1");
        } finally {
            sources.forEach(SecretSource::close);
        }
    }
}
