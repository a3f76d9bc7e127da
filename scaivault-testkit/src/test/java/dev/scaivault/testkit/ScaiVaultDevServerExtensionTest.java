package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaiVaultDevServerExtensionTest {
    @RegisterExtension
    static ScaiVaultDevServerExtension vault =
            ScaiVaultDevServerExtension.with(ScaiVaultDevServer.builder().staticToken("skt_ext", "idn_ext"));

    @Test
    @Order(1)
    void serverRunsForTheClass(ScaiVaultDevServer injected) {
        assertThat(injected).isSameAs(vault.server());
        injected.putSecret("kept/across/tests", Map.of("k", "v"));
        injected.faults().enqueue("* /**", Fault.error(503, "service_unavailable"));
        new Http(injected).get("/v1/health");
        assertThat(injected.requests()).hasSize(1);
    }

    @Test
    @Order(2)
    void faultsAndRequestLogAreClearedBetweenTests() {
        ScaiVaultDevServer s = vault.server();
        assertThat(s.requests()).isEmpty();
        assertThat(s.faults().pending()).isZero();
        assertThat(new Http(s)
                        .token("skt_ext")
                        .get("/v1/secrets/kept/across/tests")
                        .status())
                .isEqualTo(200);
    }
}
