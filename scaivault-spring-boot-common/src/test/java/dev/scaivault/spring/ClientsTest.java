package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientsTest {
    @Test
    void aKubernetesRoleOrAudienceAloneSelectsTheWorkloadIdentityExchange() {
        ScaiVaultProperties role = new ScaiVaultProperties();
        role.getKubernetes().setRole("sa:billing");
        assertThat(Clients.auth(role))
                .hasToString(
                        "Auth.kubernetes(/var/run/secrets/kubernetes.io/serviceaccount/token" + ", role=sa:billing)");

        ScaiVaultProperties audience = new ScaiVaultProperties();
        audience.getKubernetes().setAudience("scaivault");
        assertThat(Clients.auth(audience).toString()).contains("audience=scaivault");

        assertThat(Clients.auth(new ScaiVaultProperties())).isNull();
    }
}
