package dev.scaivault.examples.plainjava;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Does exactly what docs/demo.md tells a user: starts the testkit's standalone dev server with {@code
 * --postgres}, exports what it prints, and runs the packaged example against it.
 */
class PlainJavaIT {
    static Process server;
    static final Map<String, String> ENV = new HashMap<>();

    @BeforeAll
    static void startDevServer() throws Exception {
        Path jar = Path.of(System.getProperty("devServerJar", "missing"));
        assertThat(jar)
                .as("the testkit's -server jar (built by the testkit module)")
                .exists();
        server = new ProcessBuilder(java(), "-jar", jar.toString(), "--port", "0", "--postgres")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while (ENV.size() < 3 && (line = out.readLine()) != null) {
            if (line.startsWith("export ")) {
                for (String kv : line.substring("export ".length()).split(" ")) {
                    String[] p = kv.split("=", 2);
                    ENV.put(p[0], p[1]);
                }
            } else if (line.startsWith("PostgreSQL: ")) {
                ENV.put("JDBC_URL", line.split(" ")[1]);
            }
        }
        assertThat(ENV).containsKeys("SCAIVAULT_URL", "SCAIVAULT_TOKEN", "JDBC_URL");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    @Test
    void connectsWithALeasedRoleFromTheStandaloneDevServer() throws Exception {
        String out = run();
        assertThat(out).containsPattern("connected as \\S+ with the credentials of lease:postgres/app");
        assertThat(out).doesNotContain(ENV.get("SCAIVAULT_TOKEN"));
    }

    @Test
    void theUserCodeIsUnderTwentyLines() throws Exception {
        String source = Files.readString(
                Path.of("src/main/java/dev/scaivault/examples/plainjava/PlainJava.java"), StandardCharsets.UTF_8);
        String main = source.substring(source.indexOf("public static void main"));
        long lines = main.lines().filter(l -> !l.isBlank()).count() - 1; // the class's closing brace
        System.out.println("PlainJava.main: " + lines + " lines");
        assertThat(lines).isLessThan(20);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String run() throws Exception {
        Path out = Files.createTempFile(Path.of("target"), "plain-java", ".out");
        ProcessBuilder pb = new ProcessBuilder(
                        java(), "-jar", Path.of("target", "plain-java.jar").toString())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().putAll(ENV);
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }
}
