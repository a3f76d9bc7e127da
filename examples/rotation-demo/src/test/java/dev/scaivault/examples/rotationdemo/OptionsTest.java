package dev.scaivault.examples.rotationdemo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {
    @Test
    void defaultsAreTheAcceptanceRun() {
        Options o = Options.parse();
        assertThat(o.threads()).isEqualTo(8);
        assertThat(o.rotations()).isGreaterThanOrEqualTo(20);
        assertThat(o.paths()).containsExactly("kubelet", "csi", "sidecar", "dynamic");
        assertThat(o.report()).isEqualTo(Path.of("target", "rotation-demo-report.json"));
        assertThat(o.pool()).isEqualTo("hikari");
    }

    @Test
    void parsesEveryOption() {
        Options o = Options.parse(
                "--duration",
                "20s",
                "--threads",
                "4",
                "--rotations",
                "30",
                "--paths",
                "dynamic, kubelet",
                "--report",
                "r.json",
                "--lease-ttl",
                "1.5s",
                "--pool",
                "DBCP2");
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.threads()).isEqualTo(4);
        assertThat(o.rotations()).isEqualTo(30);
        assertThat(o.paths()).isEqualTo(List.of("dynamic", "kubelet"));
        assertThat(o.report()).isEqualTo(Path.of("r.json"));
        assertThat(o.leaseTtl()).isEqualTo(Duration.ofMillis(1500));
        assertThat(o.pool()).isEqualTo("dbcp2");
        assertThat(Options.parse("--duration", "500ms").duration()).isEqualTo(Duration.ofMillis(500));
        assertThat(Options.parse("--duration", "1m").duration()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> Options.parse("--paths", "kubelet,nfs")).hasMessageContaining("unknown path 'nfs'");
        assertThatThrownBy(() -> Options.parse("--duration", "soon")).hasMessageContaining("--duration");
        assertThatThrownBy(() -> Options.parse("--threads", "0")).hasMessageContaining("--threads must be at least 1");
        assertThatThrownBy(() -> Options.parse("--rotations")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Options.parse("--lease-ttl", "200ms")).hasMessageContaining("--lease-ttl");
        assertThatThrownBy(() -> Options.parse("--colour", "red")).hasMessageContaining("unknown option --colour");
        assertThatThrownBy(() -> Options.parse("--pool", "c3p0")).hasMessageContaining("unknown pool 'c3p0'");
    }
}
