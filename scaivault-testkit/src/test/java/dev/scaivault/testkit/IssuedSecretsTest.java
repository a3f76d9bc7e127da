package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The redaction check knows what the dev server issued without being told. */
class IssuedSecretsTest {
    static final String STATIC = "skt_static_issued_test_0001";

    @Test
    void aPasswordOrTokenTheServerIssuedFailsTheCheckWhenLogged() {
        LeakCheck.secret(); // installs it, as auto-detection does in the other modules
        LeakCheck.assertNoSecretLogged();
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                .staticToken(STATIC, "idn_app")
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofMinutes(5), Duration.ofMinutes(10)))
                .start()) {
            Http h = new Http(server).token(STATIC);
            String password = h.post("/v1/dynamic/engines/mem/creds/app", "{}")
                    .json()
                    .path("data")
                    .path("password")
                    .asText();
            String subject = server.mintSubjectToken("sa:x", Duration.ofMinutes(5));
            String issued = h.post("/v1/auth/exchange", "{\"subject_token\":\"" + subject + "\"}")
                    .json()
                    .path("access_token")
                    .asText();
            assertThat(password).hasSizeGreaterThan(10);
            assertThat(issued).startsWith("sva_");

            for (String secret : new String[] {password, issued, subject, STATIC}) {
                LoggerFactory.getLogger("a.careless.app").info("connecting with {}", secret);
                assertThatThrownBy(LeakCheck::assertNoSecretLogged)
                        .hasMessageContaining("1 log line(s) leak a secret")
                        .hasMessageContaining("connecting with <SECRET>")
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
            }
        }
    }
}
