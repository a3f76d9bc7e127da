package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scaivault.source.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File sources refuse what is over a cap (size, keys, JSON nesting) with one message naming the file and cap. */
class FileLimitsTest {
    @TempDir
    Path tmp;

    private static String lines(int n, String format) {
        return IntStream.range(0, n).mapToObj(i -> format.formatted(i)).collect(Collectors.joining("\n"));
    }

    private FileSecretException refused(Path p) {
        try (SecretSource<FileSecret> s = FileSource.builder(p).build()) {
            throw new AssertionError("accepted " + s.current());
        } catch (FileSecretException e) {
            return e;
        }
    }

    @Test
    void aFileOverMaxSizeIsRefused() throws Exception {
        Path f = Files.writeString(tmp.resolve("db.env"), "PASSWORD=" + "x".repeat(200));

        assertThatThrownBy(() -> FileSource.builder(f).maxSize(100).build())
                .isInstanceOf(FileSecretException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("over the size limit of 100 bytes (209 bytes; raise maxSize");
    }

    @Test
    void dotenvWithMoreKeysThanTheCapIsRefused() throws Exception {
        Path f = Files.writeString(tmp.resolve("many.env"), lines(Formats.MAX_KEYS + 1, "K%d=v"));

        assertThat(refused(f).getMessage())
                .contains("file " + f + " (auto-detected as dotenv): has 10001 keys, more than the limit of 10000");
    }

    @Test
    void jsonAndPropertiesWithMoreKeysThanTheCapAreRefused() throws Exception {
        Path json = Files.writeString(
                tmp.resolve("many.json"),
                "{" + lines(Formats.MAX_KEYS + 1, "\"k%d\":\"v\"").replace("\n", ",") + "}");
        Path props = Files.writeString(tmp.resolve("many.properties"), lines(Formats.MAX_KEYS + 1, "k%d=v"));

        assertThat(refused(json).getMessage()).contains("file " + json + " (auto-detected as json): has 10001 keys");
        assertThat(refused(props).getMessage())
                .contains("file " + props + " (auto-detected as properties): has 10001 keys");
    }

    @Test
    void exactlyTheCapIsAccepted() throws Exception {
        Path f = Files.writeString(tmp.resolve("max.env"), lines(Formats.MAX_KEYS, "K%d=v"));
        try (SecretSource<FileSecret> s = FileSource.builder(f).build()) {
            assertThat(s.current().values()).hasSize(Formats.MAX_KEYS);
        }
    }

    @Test
    void aDirectoryWithMoreFilesThanTheCapIsRefused() throws Exception {
        // Empty files cost nothing against maxSize; the key cap is what bounds them.
        Path dir = Files.createDirectory(tmp.resolve("many"));
        for (int i = 0; i <= Formats.MAX_KEYS; i++) {
            Files.createFile(dir.resolve("k" + i));
        }

        assertThat(refused(dir).getMessage())
                .contains("directory " + dir + ": has more than 10000 files, more than the limit of keys per secret");
    }

    @Test
    void jsonNestedBeyondTheParserLimitIsRefusedWithoutQuotingIt() throws Exception {
        int depth = 5_000;
        Path f = Files.writeString(tmp.resolve("deep.json"), "{\"k\":" + "[".repeat(depth) + "]".repeat(depth) + "}");

        assertThat(refused(f).getMessage())
                .contains("file " + f + " (auto-detected as json): exceeds a JSON parser limit")
                .contains("nesting depth")
                .doesNotContain("[[");
    }
}
