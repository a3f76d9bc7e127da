package dev.scaivault.examples.rotationdemo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.testkit.leak.LeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A short in-process run: every password and token the demo makes or receives must stay out of its
 * stdout, stderr (progress line included), report and every log event at every level.
 */
@ExtendWith(LeakCheck.class)
class NoSecretsInOutputIT {
    @Test
    void noCredentialReachesTheOutputOrTheLogs() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Options options = Options.parse(
                "--rotations",
                "3",
                "--duration",
                "1s",
                "--lease-ttl",
                "4s",
                "--report",
                "target/no-secrets-report.json");
        int code = new RotationDemo(
                        options,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        s -> {
                            seen.add(s);
                            LeakCheck.secret(s);
                        })
                .run();
        String text = out.toString(StandardCharsets.UTF_8)
                + err.toString(StandardCharsets.UTF_8)
                + java.nio.file.Files.readString(java.nio.file.Path.of("target/no-secrets-report.json"));

        assertThat(code).as(text).isZero();
        // A token, then the first value and three rotations of each of the four paths.
        assertThat(seen).hasSizeGreaterThanOrEqualTo(1 + 4 * 4);
        for (String s : seen) {
            assertThat(text).doesNotContain(s);
        }
        assertThat(LeakCheck.capturedEvents()).isPositive();
        LeakCheck.assertNoSecretLogged();
    }
}
