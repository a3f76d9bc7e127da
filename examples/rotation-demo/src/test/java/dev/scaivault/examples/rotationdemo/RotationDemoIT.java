package dev.scaivault.examples.rotationdemo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged jar as a user would, with a shorter configuration (10 rotations per path, short
 * durations, 4 s leases), and checks the exit code and the report. Leases of 1.5 s ran out before their
 * hand-off on a saturated 2-core machine (load 15): the successor comes at about 60 % of a lease's life, and
 * what is left must cover the open-ahead login, the eviction and the drain.
 */
class RotationDemoIT {
    private static final List<String> PATH_FIELDS = List.of(
            "name",
            "rotations",
            "queriesOk",
            "queriesFailed",
            "bridged",
            "connectSamples",
            "connectMsP50",
            "connectMsP99",
            "propagationMsP50",
            "propagationMsP99",
            "propagationExcessMsP50",
            "propagationExcessMsP99",
            "drainMsP50",
            "drainMsP99",
            "holdMsP50",
            "holdMsP99",
            "drainExcessMsP50",
            "drainExcessMsP99",
            "steps",
            "timeline");
    private static final List<String> FIGURES = PATH_FIELDS.subList(6, 18);
    private static final List<String> TIMELINE_FIELDS = List.of(
            "published",
            "applied",
            "firstReturn",
            "lastReturn",
            "firstClose",
            "loginStart",
            "loginEnd",
            "loginThread",
            "propagation",
            "drain");

    @Test
    void theJarRotatesThroughEveryPathWithoutAFailedQuery() throws Exception {
        Path jar = Path.of(System.getProperty("rotationDemoJar", "target/rotation-demo.jar"));
        assertThat(jar).exists();
        Path report = Path.of("target", "rotation-demo-it-report.json");
        Files.deleteIfExists(report);
        Path stdout = Path.of("target", "rotation-demo-it.out");
        Path stderr = Path.of("target", "rotation-demo-it.err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "-jar",
                jar.toString(),
                "--rotations",
                "10",
                "--duration",
                "2s",
                "--lease-ttl",
                "4s",
                "--threads",
                "8",
                "--report",
                report.toString()));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        boolean finished = p.waitFor(150, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        System.out.println(out);
        System.out.printf("rotation-demo IT: jar ran %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertThat(finished).as("the demo finished within 150 s").isTrue();
        assertThat(p.exitValue()).as("exit code; stderr:%n%s", err).isZero();

        JsonNode root = new ObjectMapper().readTree(new File(report.toString()));
        assertThat(fieldNames(root))
                .containsExactly(
                        "machine", "options", "paths", "queriesOk", "queriesFailed", "loadSeconds", "wallSeconds");
        assertThat(root.get("machine").get("cores").asInt()).isPositive();
        assertThat(root.get("machine").get("hikaricp").asText()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(root.get("queriesFailed").asLong()).isZero();
        List<String> names = new ArrayList<>();
        long ok = 0;
        for (JsonNode path : root.get("paths")) {
            assertThat(fieldNames(path)).containsExactlyElementsOf(PATH_FIELDS);
            String name = path.get("name").asText();
            names.add(name);
            assertThat(path.get("queriesFailed").asLong()).as(name).isZero();
            assertThat(path.get("rotations").asInt()).as(name).isGreaterThanOrEqualTo(10);
            assertThat(path.get("queriesOk").asLong()).as(name).isPositive();
            assertThat(path.get("connectSamples").asInt()).as(name).isPositive();
            for (String f : FIGURES) {
                assertThat(path.get(f).isNumber()).as(name + " " + f).isTrue();
            }
            double excess = path.get("propagationMsP50").asDouble()
                    - path.get("connectMsP50").asDouble();
            assertThat(path.get("propagationExcessMsP50").asDouble()).as(name).isCloseTo(excess, within(0.011));
            assertThat(path.get("steps").get("loginMsP50").isNumber()).as(name).isTrue();
            assertThat(path.get("timeline")).as(name).isNotEmpty();
            for (JsonNode r : path.get("timeline")) {
                assertThat(fieldNames(r)).containsExactlyElementsOf(TIMELINE_FIELDS);
                assertThat(r.get("loginEnd").asDouble())
                        .isGreaterThanOrEqualTo(r.get("loginStart").asDouble());
            }
            ok += path.get("queriesOk").asLong();
        }
        assertThat(names).containsExactly("kubelet", "csi", "sidecar", "dynamic");
        assertThat(root.get("queriesOk").asLong()).isEqualTo(ok);

        assertThat(out).contains("path", "rotations", "queries ok", "connect", "excess", "hold", "before login");
        // The dev server's bearer token is a credential like the passwords: never printed.
        assertThat(out + err).doesNotContain("skt_demo_");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
