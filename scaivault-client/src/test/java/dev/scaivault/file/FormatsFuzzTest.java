package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile content for every file format. The only exception a parser may throw is {@link FileSecretException},
 * naming the configured file; a parsed secret is never empty and never over the key cap. The default build
 * replays the seeds in {@code FormatsFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/reliability.md).
 */
class FormatsFuzzTest {
    private static final Path CONFIGURED = Path.of("/run/secrets/fuzz");
    private static final FileFormat[] FORMATS = {
        FileFormat.AUTO, FileFormat.JSON, FileFormat.ENVELOPE, FileFormat.DOTENV, FileFormat.PROPERTIES
    };
    private static final String[] NAMES = {"secret", "db.json", "app.env", "app.properties", "creds.yaml"};

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void parseFile(FuzzedDataProvider data) {
        FileFormat format = data.pickValue(FORMATS);
        Path file = CONFIGURED.resolveSibling(data.pickValue(NAMES));
        byte[] content = data.consumeRemainingAsBytes();
        try {
            FileSecret s = Formats.parseFile(CONFIGURED, file, format, content);
            assertThat(s.values()).isNotEmpty().hasSizeLessThanOrEqualTo(Formats.MAX_KEYS);
            assertThat(s.values().keySet()).noneMatch(String::isEmpty);
            assertThat(s.sha256()).hasSize(64);
        } catch (FileSecretException e) {
            assertThat(e.path()).isEqualTo(CONFIGURED);
            assertThat(e.getMessage()).startsWith("file " + CONFIGURED).hasSizeLessThan(1000);
        }
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void parseDirectory(FuzzedDataProvider data) {
        SortedMap<String, byte[]> files = new TreeMap<>();
        int n = data.consumeInt(0, 8);
        for (int i = 0; i < n; i++) {
            files.put(data.consumeString(16), data.consumeBytes(64));
        }
        try {
            FileSecret s = Formats.parseDirectory(CONFIGURED, files);
            assertThat(s.values()).hasSameSizeAs(files);
            assertThat(s.format()).isEqualTo(FileFormat.DIRECTORY);
        } catch (FileSecretException e) {
            assertThat(e.path()).isEqualTo(CONFIGURED);
            assertThat(e.getMessage()).startsWith("directory " + CONFIGURED);
        }
    }
}
