package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScaiVaultBuilderTest {
    @TempDir
    Path tmp;

    @Test
    void plainHttpIsRefusedUnlessLoopbackOrExplicit() {
        assertThatThrownBy(() -> ScaiVault.builder()
                        .url("http://scaivault.internal:8443")
                        .auth(Auth.token("skt_x_123456"))
                        .build())
                .hasMessageContaining("url()")
                .hasMessageContaining("http://scaivault.internal:8443")
                .hasMessageContaining("allowInsecureHttp");
        for (String ok :
                new String[] {"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "http://127.9.9.9:1"}) {
            ScaiVault.builder().url(ok).auth(Auth.token("skt_x_123456")).build().close();
        }
        ScaiVault.builder()
                .url("http://scaivault.internal:8443")
                .allowInsecureHttp(true)
                .auth(Auth.token("skt_x_123456"))
                .build()
                .close();
        // A name that merely starts like a loopback address is not one.
        assertThatThrownBy(() -> ScaiVault.builder()
                        .url("http://127.0.0.1.attacker.example:80")
                        .auth(Auth.token("skt_x_123456"))
                        .build())
                .hasMessageContaining("not loopback");
    }

    @Test
    void configurationErrorsNameTheSettingAndWhereItCameFrom() {
        assertThatThrownBy(() ->
                        ScaiVault.builder().auth(Auth.token("skt_x_123456")).build())
                .hasMessageContaining("SCAIVAULT_URL");
        assertThatThrownBy(() -> ScaiVault.builder()
                        .environment(Map.of("SCAIVAULT_URL", "ftp://vault", "SCAIVAULT_TOKEN", "skt_x_123456"))
                        .build())
                .hasMessageContaining("environment variable SCAIVAULT_URL")
                .hasMessageContaining("ftp://vault");
        assertThatThrownBy(() -> ScaiVault.builder().url("https://vault").build())
                .hasMessageContaining("no authentication");
        assertThatThrownBy(() -> ScaiVault.builder().tokenMaxAge(Duration.ofHours(1)))
                .hasMessageContaining("tokenMaxAge")
                .hasMessageContaining("PT50M");
        assertThatThrownBy(() -> ScaiVault.builder().readTimeout(Duration.ZERO)).hasMessageContaining("readTimeout");
        assertThatThrownBy(() -> ScaiVault.builder()
                        .environment(Map.of("SCAIVAULT_URL", "https://v", "SCAIKEY_CLIENT_ID", "svc"))
                        .build())
                .hasMessageContaining("SCAIKEY_CLIENT_SECRET");
        assertThatThrownBy(() -> ScaiVault.builder()
                        .url("https://v")
                        .auth(Auth.token("skt_x_123456"))
                        .caBundle(tmp.resolve("missing.pem"))
                        .build())
                .hasMessageContaining("caBundle()")
                .hasMessageContaining("missing.pem")
                .hasMessageContaining("does not exist");
    }

    @Test
    void aCaBundleThatIsNotPemIsRejectedWithItsPath() throws Exception {
        Path bad = Files.writeString(tmp.resolve("ca.pem"), "not a certificate");
        assertThatThrownBy(() -> ScaiVault.builder()
                        .environment(Map.of(
                                "SCAIVAULT_URL", "https://v",
                                "SCAIVAULT_TOKEN", "skt_x_123456",
                                "SCAIVAULT_CA_BUNDLE", bad.toString()))
                        .build())
                .hasMessageContaining("SCAIVAULT_CA_BUNDLE")
                .hasMessageContaining(bad.toString());
    }

    @Test
    void environmentPicksTheCredentialsInTheDocumentedOrder() {
        ScaiVault.Builder b = ScaiVault.builder()
                .environment(Map.of(
                        "SCAIVAULT_URL", "https://v",
                        "SCAIVAULT_TOKEN_FILE", "/var/run/secrets/scaivault/token",
                        "SCAIVAULT_TENANT_ID", "tnt_1"));
        try (ScaiVault v = b.build()) {
            assertThat(v.toString()).contains("Auth.kubernetes(/var/run/secrets/scaivault/token)");
        }
        try (ScaiVault v = ScaiVault.builder()
                .environment(Map.of(
                        "SCAIVAULT_URL", "https://v",
                        "SCAIVAULT_TOKEN", "skt_env_token_123",
                        "SCAIVAULT_TOKEN_FILE", "/t"))
                .build()) {
            assertThat(v.toString()).contains("Auth.token(<redacted>)").doesNotContain("skt_env_token_123");
        }
        try (ScaiVault v = ScaiVault.builder()
                .environment(Map.of(
                        "SCAIVAULT_URL", "https://v",
                        "SCAIKEY_CLIENT_ID", "svc",
                        "SCAIKEY_CLIENT_SECRET", "cs-env-secret-123"))
                .build()) {
            assertThat(v.toString()).contains("clientId=svc").doesNotContain("cs-env-secret-123");
        }
    }
}
