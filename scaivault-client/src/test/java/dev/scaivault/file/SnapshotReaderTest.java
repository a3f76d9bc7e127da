package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scaivault.testkit.files.KubeletVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotReaderTest {
    @TempDir
    Path tmp;

    private SnapshotReader reader(Path p, long max) {
        return new SnapshotReader(p, FileFormat.AUTO, max, Duration.ofMillis(1));
    }

    @Test
    void sizeCapNamesTheFileAndTheLimit() throws Exception {
        Path f = Files.writeString(tmp.resolve("big.json"), "{\"a\":\"" + "x".repeat(100) + "\"}");
        assertThatThrownBy(() -> reader(f, 50).read())
                .isInstanceOf(SnapshotReader.Rejected.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("over the size limit of 50 bytes (108 bytes; raise maxSize");
        assertThat(reader(f, 108).read().secret().values()).containsOnlyKeys("a");
    }

    @Test
    void sizeCapCoversAWholeVolume() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("v"));
        vol.writeStrings(Map.of("a", "x".repeat(40), "b", "y".repeat(40)));
        assertThatThrownBy(() -> reader(vol.dir(), 60).read()).hasMessageContaining("over the size limit of 60");
        assertThat(reader(vol.dir(), 80).read().volume()).isTrue();
    }

    @Test
    void missingFileAndMissingKey() throws Exception {
        assertThatThrownBy(() -> reader(tmp.resolve("nope.json"), 100).read())
                .hasMessageContaining(tmp.resolve("nope.json") + " does not exist");
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("v"));
        vol.writeStrings(Map.of("a", "A=1"));
        assertThatThrownBy(() -> reader(vol.dir().resolve("b"), 100).read())
                .hasMessageContaining("key b is not in volume " + vol.dir());
    }

    @Test
    void watchesTheParentNeverTheFileOrDataLink() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("v"));
        vol.writeStrings(Map.of("password", "PASSWORD=p"));
        assertThat(SnapshotReader.dirsToWatch(vol.dir().resolve("password"))).containsExactly(vol.dir());
        assertThat(SnapshotReader.dirsToWatch(vol.dir())).containsExactly(vol.dir());
        // A link from elsewhere into the volume watches the volume's root too.
        Path link = Files.createSymbolicLink(
                Files.createDirectories(tmp.resolve("etc")).resolve("pw"),
                vol.dir().resolve("password"));
        assertThat(SnapshotReader.dirsToWatch(link)).containsExactly(tmp.resolve("etc"), vol.dir());
        assertThat(reader(link, 100).read().volume()).isTrue();
    }
}
