package dev.scaivault.examples.plainjava;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged example exactly as docs/demo.md tells a user to: against the dev environment
 * (embedded PostgreSQL and the dev server), with the three environment variables it prints.
 */
class PlainJavaIT {
    static DevEnvironment env;

    @BeforeAll
    static void start() throws Exception {
        env = DevEnvironment.start(0);
    }

    @AfterAll
    static void stop() {
        env.close();
    }

    @Test
    void connectsWithTheSecretAndAgainAfterARotation() throws Exception {
        assertThat(run()).contains("connected as demo with the credentials of secret:" + DevEnvironment.PATH);
        assertThat(env.rotate()).isEqualTo(2);
        // The old password no longer works in the database; only version 2 can log in.
        assertThat(run()).contains("connected as demo");
    }

    @Test
    void theUserCodeIsUnderTwentyLines() throws Exception {
        String source = Files.readString(
                Path.of("src/main/java/dev/scaivault/examples/plainjava/PlainJava.java"), StandardCharsets.UTF_8);
        String body = source.substring(source.indexOf("public static void main"), source.lastIndexOf('}'));
        long lines = body.lines().filter(l -> !l.isBlank()).count();
        System.out.println("PlainJava.main: " + lines + " lines");
        assertThat(lines).isLessThan(20);
    }

    private static String run() throws Exception {
        Path jar = Path.of("target", "plain-java.jar");
        Path out = Files.createTempFile(Path.of("target"), "plain-java", ".out");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        Map<String, String> e = pb.environment();
        e.putAll(env.environment());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }
}
