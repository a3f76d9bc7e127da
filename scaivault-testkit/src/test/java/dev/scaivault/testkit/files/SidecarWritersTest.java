package dev.scaivault.testkit.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SidecarWritersTest {
    @TempDir
    Path tmp;

    @Test
    void renameOverReplacesTheInodeAndLeavesNoTempFile() throws Exception {
        Path f = tmp.resolve("db.json");
        RenameOverWriter w = new RenameOverWriter();
        w.write(f, "one");
        Object inode = Files.getAttribute(f, "unix:ino");
        w.write(f, "two");
        assertThat(Files.readString(f)).isEqualTo("two");
        assertThat(Files.getAttribute(f, "unix:ino")).isNotEqualTo(inode);
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        try (var s = Files.list(tmp)) {
            assertThat(s).containsExactly(f);
        }
    }

    @Test
    void backupIsAHardLinkOfThePreviousFile() throws Exception {
        Path f = tmp.resolve("db.json");
        RenameOverWriter w = new RenameOverWriter().backup(true).mode("rw-r-----");
        w.write(f, "one");
        w.write(f, "two");
        w.write(f, "three");
        assertThat(Files.readString(f)).isEqualTo("three");
        assertThat(Files.readString(tmp.resolve("db.json.bak"))).isEqualTo("two");
        assertThat(tmp.resolve("db.json.old.bak")).doesNotExist();
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
    }

    @Test
    void inPlaceKeepsTheInode() throws Exception {
        Path f = Files.writeString(tmp.resolve("db.json"), "old content, longer");
        Object inode = Files.getAttribute(f, "unix:ino");
        new InPlaceWriter(Duration.ZERO).write(f, "new ", "content");
        assertThat(Files.readString(f)).isEqualTo("new content");
        assertThat(Files.getAttribute(f, "unix:ino")).isEqualTo(inode);
    }

    @Test
    void deleteAndRecreate() throws Exception {
        Path f = Files.writeString(tmp.resolve("db.json"), "one");
        PlainFiles.deleteAndRecreate(f, "two", Duration.ofMillis(1));
        assertThat(Files.readString(f)).isEqualTo("two");
    }
}
