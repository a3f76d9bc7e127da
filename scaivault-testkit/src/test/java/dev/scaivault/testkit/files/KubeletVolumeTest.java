package dev.scaivault.testkit.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletVolumeTest {
    @TempDir
    Path tmp;

    @Test
    void layoutIsKubelets() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        assertThat(vol.writeStrings(Map.of("password", "p1", "username", "u"))).isTrue();
        Path d = vol.dir();
        String ts = Files.readSymbolicLink(d.resolve("..data")).toString();
        assertThat(ts).matches("\\.\\.\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}\\.\\d+");
        assertThat(Files.readSymbolicLink(d.resolve("password"))).isEqualTo(Path.of("..data", "password"));
        assertThat(Files.readString(d.resolve("password"))).isEqualTo("p1");
        assertThat(Files.getPosixFilePermissions(d.resolve(ts)))
                .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Files.getPosixFilePermissions(d.resolve(ts).resolve("password")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.exists(d.resolve("..data_tmp"), LinkOption.NOFOLLOW_LINKS))
                .isFalse();
    }

    @Test
    void updateSwapsAndRemovesTheOldDirectory() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("password", "p1", "old", "x"));
        Path first = vol.dataDir();
        vol.writeStrings(Map.of("password", "p2", "new", "y"));
        assertThat(vol.dataDir()).isNotEqualTo(first);
        assertThat(first).doesNotExist();
        assertThat(Files.readString(vol.dir().resolve("password"))).isEqualTo("p2");
        assertThat(Files.exists(vol.dir().resolve("old"), LinkOption.NOFOLLOW_LINKS))
                .isFalse();
        assertThat(Files.readString(vol.dir().resolve("new"))).isEqualTo("y");
    }

    @Test
    void noChangeMeansNoWriteButAMissingSymlinkIsRecreated() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("password", "p1"));
        Path data = vol.dataDir();
        vol.removeVisibleSymlink("password");
        assertThat(vol.writeStrings(Map.of("password", "p1"))).isFalse();
        assertThat(vol.dataDir()).isEqualTo(data);
        assertThat(Files.isSymbolicLink(vol.dir().resolve("password"))).isTrue();
    }

    @Test
    void legacyOrderAndFsGroupProduceTheSameEndState() throws Exception {
        int gid = (Integer) Files.getAttribute(tmp, "unix:gid");
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("csi"))
                .order(KubeletVolume.Order.LEGACY)
                .fsGroup(gid);
        vol.writeStrings(Map.of("a", "1"));
        vol.writeStrings(Map.of("a", "2", "b", "3"));
        assertThat(Files.readString(vol.dir().resolve("b"))).isEqualTo("3");
        assertThat(Files.getPosixFilePermissions(vol.dataDir().resolve("a")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
    }

    @Test
    void vanishLeavesAnEmptyMountPoint() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("a", "1"));
        vol.vanish();
        try (var s = Files.list(vol.dir())) {
            assertThat(s).isEmpty();
        }
        assertThat(vol.dataDir()).isNull();
    }
}
