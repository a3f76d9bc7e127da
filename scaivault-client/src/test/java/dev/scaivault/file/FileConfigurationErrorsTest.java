package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.scaivault.SecretUnavailableException;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file builders' configuration errors: one message naming the setting or file and what was wrong. */
class FileConfigurationErrorsTest {
    @TempDir
    Path tmp;

    static String message(Class<? extends Throwable> type, Runnable configure) {
        Throwable t = catchThrowable(configure::run);
        assertThat(t).isInstanceOf(type);
        assertThat(t.getMessage()).doesNotContain("\n");
        dev.scaivault.testkit.leak.LeakCheck.assertNoSecretIn(t);
        return t.getMessage();
    }

    @Test
    void unknownFormat() throws Exception {
        assertThat(message(IllegalArgumentException.class, () -> FileFormat.of("yaml")))
                .isEqualTo(
                        "unknown file format 'yaml': use one of auto, json, envelope, dotenv, properties, directory");
        assertThat(FileFormat.of(" DotEnv ")).isEqualTo(FileFormat.DOTENV);

        dev.scaivault.testkit.leak.LeakCheck.secret("hunter2hunter2");
        Path yaml = Files.writeString(tmp.resolve("db.yaml"), "username: app\npassword: hunter2hunter2\n");
        assertThat(message(FileSecretException.class, () -> FileSource.builder(yaml)
                        .build()))
                .isEqualTo("cannot start file:" + yaml + ": file " + yaml + ": the format of .yaml files is unknown"
                        + " (formats: auto, json, envelope, dotenv, properties, directory); convert it, or set"
                        + " format(...) if it is one of those");
        // An explicit format is believed, whatever the name.
        Path env = Files.writeString(tmp.resolve("really-dotenv.yaml"), "username=app\n");
        try (SecretSource<FileSecret> s =
                FileSource.builder(env).format(FileFormat.DOTENV).build()) {
            assertThat(s.current().values()).containsKey("username");
        }
    }

    @Test
    void badDuration() {
        FileSource.Builder b = FileSource.builder(tmp.resolve("x"));
        assertThat(message(IllegalArgumentException.class, () -> b.quietPeriod(Duration.ZERO)))
                .isEqualTo("quietPeriod must be positive, not PT0S");
        assertThat(message(IllegalArgumentException.class, () -> b.pollInterval(Duration.ofSeconds(-1))))
                .isEqualTo("pollInterval must be positive, not PT-1S");
        assertThat(message(IllegalArgumentException.class, () -> b.maxDelay(null)))
                .isEqualTo("maxDelay must be positive, not null");
        assertThat(message(IllegalArgumentException.class, () -> b.maxSize(0)))
                .isEqualTo("maxSize must be positive, not 0");
    }

    @Test
    void missingRequiredProperty() {
        assertThat(message(IllegalArgumentException.class, () -> FileSource.builder(null)))
                .isEqualTo("path must not be null");
        assertThat(message(IllegalArgumentException.class, () -> FileSource.builder(tmp.resolve("x"))
                        .format(null)))
                .isEqualTo("format must not be null");
        assertThat(message(IllegalArgumentException.class, () -> Credentials.fromKeys("", "password")))
                .isEqualTo("usernameKey must not be empty, not ''");
    }

    @Test
    void missingOrUnreadableFile() throws Exception {
        Path missing = tmp.resolve("missing.env");
        assertThat(message(FileSecretException.class, () -> FileSource.builder(missing)
                        .build()))
                .startsWith("cannot start file:" + missing + ": ")
                .contains(missing.toString())
                .contains("does not exist");

        Path creds = Files.writeString(tmp.resolve("creds.env"), "user=app\n");
        assertThat(message(
                        SecretUnavailableException.class,
                        () -> FileSource.builder(creds).build().map(Credentials.fromKeys())))
                .contains(creds.toString())
                .contains("key username is missing");
    }
}
