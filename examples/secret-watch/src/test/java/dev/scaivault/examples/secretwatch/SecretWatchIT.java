package dev.scaivault.examples.secretwatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged jar as a user would, in a pod, and reads its stdout. */
class SecretWatchIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path JAR = Path.of("target", "secret-watch.jar");

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(Process::destroy);
    }

    private List<String> run(List<String> lines, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-jar");
        cmd.add(JAR.toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectError(tmp.resolve("stderr-" + started.size() + ".log").toFile())
                .start();
        started.add(p);
        Thread reader = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // The process was stopped.
            }
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static String sha(String v) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(v.getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode line(List<String> lines, int i) throws Exception {
        return JSON.readTree(lines.get(i));
    }

    @Test
    void kubeletStyleDirectory() throws Exception {
        assertThat(JAR).exists();
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("username", "app", "password", "pw-one"));
        List<String> lines = run(new CopyOnWriteArrayList<>(), vol.dir().toString(), "--format", "dir");
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.size() == 1);
        JsonNode first = line(lines, 0);
        assertThat(first.get("seq").asInt()).isEqualTo(1);
        assertThat(first.get("keys").get("password").asText()).isEqualTo(sha("pw-one"));
        assertThat(first.get("keys").get("username").asText()).isEqualTo(sha("app"));
        vol.writeStrings(Map.of("username", "app", "password", "pw-two"));
        await().atMost(Duration.ofSeconds(3)).until(() -> lines.size() == 2);
        JsonNode second = line(lines, 1);
        assertThat(second.get("seq").asInt()).isEqualTo(2);
        assertThat(second.get("keys").get("password").asText()).isEqualTo(sha("pw-two"));
        assertThat(String.join("\n", lines)).doesNotContain("pw-one", "pw-two");
    }

    @Test
    void plainJsonFileWithARejectedUpdate() throws Exception {
        Path f = Files.createDirectories(tmp.resolve("s")).resolve("db.json");
        RenameOverWriter w = new RenameOverWriter();
        w.write(f, "{\"password\":\"pw-one\"}");
        List<String> lines = run(new CopyOnWriteArrayList<>(), f.toString());
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.size() == 1);
        assertThat(line(lines, 0).get("keys").get("password").asText()).isEqualTo(sha("pw-one"));
        w.write(f, "{\"password\":\"pw-broken");
        await().atMost(Duration.ofSeconds(3)).until(() -> lines.size() == 2);
        assertThat(line(lines, 1).get("error").asText())
                .contains(f.toString())
                .contains("not valid JSON")
                .doesNotContain("pw-broken");
        w.write(f, "{\"password\":\"pw-two\"}");
        await().atMost(Duration.ofSeconds(3)).until(() -> lines.size() == 3);
        assertThat(line(lines, 2).get("seq").asInt()).isEqualTo(2);
        assertThat(line(lines, 2).get("keys").get("password").asText()).isEqualTo(sha("pw-two"));
        assertThat(String.join("\n", lines)).doesNotContain("pw-one", "pw-two", "pw-broken");
    }

    @Test
    void noValidValueAtStartPrintsTheErrorAndExits() throws Exception {
        Path f = Files.createDirectories(tmp.resolve("s")).resolve("db.json");
        Files.writeString(f, "not json at all");
        List<String> lines = run(new CopyOnWriteArrayList<>(), f.toString(), "--format", "json");
        Process p = started.get(0);
        assertThat(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> lines.size() == 1);
        assertThat(line(lines, 0).get("error").asText()).contains(f.toString(), "not valid JSON");
    }
}
