package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lease semantics on the in-memory engine with a hand-moved clock (the PostgreSQL side is in PostgresEngineIT). */
class LeasesTest {
    ManualTime clock = new ManualTime(Instant.parse("2026-12-01T12:00:00Z"));
    ScaiVaultDevServer server;
    Http http;

    @BeforeEach
    void start() {
        server = ScaiVaultDevServer.builder()
                .clock(clock.withZone(java.time.ZoneOffset.UTC))
                .staticToken("skt_l", "idn_l")
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofSeconds(4), Duration.ofSeconds(12)))
                .dynamicRole(
                        "mem",
                        "fixed",
                        RoleConfig.builder()
                                .defaultTtl(Duration.ofSeconds(4))
                                .maxTtl(Duration.ofSeconds(4))
                                .renewable(false)
                                .build())
                .start();
        http = new Http(server).token("skt_l");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    JsonNode create(String body) {
        Http.Resp r = http.post("/v1/dynamic/engines/mem/creds/app", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void generateAnswersALeaseWithCredentials() {
        JsonNode l = create(null);
        assertThat(l.path("lease_id").asText()).startsWith("lease_");
        assertThat(l.path("engine").asText()).isEqualTo("mem");
        assertThat(l.path("role").asText()).isEqualTo("app");
        assertThat(l.path("lease_duration").asLong()).isEqualTo(4);
        assertThat(l.path("renewable").asBoolean()).isTrue();
        assertThat(l.path("issued_at").asText()).isEqualTo("2026-12-01T12:00:00Z");
        assertThat(l.path("expires_at").asText()).isEqualTo("2026-12-01T12:00:04Z");
        assertThat(l.path("max_expires_at").asText()).isEqualTo("2026-12-01T12:00:12Z");
        assertThat(l.path("data").path("username").asText()).matches("v_app_[a-z0-9]{12}");
        assertThat(l.path("data").path("password").asText()).hasSize(32);
        JsonNode other = create("{}");
        assertThat(other.path("data").path("username").asText())
                .isNotEqualTo(l.path("data").path("username").asText());

        JsonNode lookup =
                http.get("/v1/dynamic/leases/" + l.path("lease_id").asText()).json();
        assertThat(lookup.has("data")).isFalse();
        assertThat(lookup.path("expires_at").asText()).isEqualTo("2026-12-01T12:00:04Z");

        assertThat(server.leases())
                .extracting(LeaseInfo::id)
                .containsExactly(
                        l.path("lease_id").asText(), other.path("lease_id").asText());
        assertThat(server.leases().get(0).username())
                .isEqualTo(l.path("data").path("username").asText());
        assertThat(server.leases().get(0).toString())
                .doesNotContain(l.path("data").path("password").asText());
    }

    @Test
    void requestedTtlIsCappedAtMaxTtl() {
        assertThat(create("{\"ttl\":\"1h\"}").path("lease_duration").asLong()).isEqualTo(12);
        assertThat(create("{\"ttl\":2}").path("lease_duration").asLong()).isEqualTo(2);
        assertThat(create("{\"ttl\":\"8s\"}").path("lease_duration").asLong()).isEqualTo(8);
        assertThat(http.post("/v1/dynamic/engines/mem/creds/app", "{\"ttl\":\"soon\"}")
                        .code())
                .isEqualTo("invalid_duration");
        assertThat(http.post("/v1/dynamic/engines/mem/creds/app", "{\"ttl\":0}").code())
                .isEqualTo("invalid_duration");
    }

    @Test
    void renewIsCappedAtMaxTtlAndNeverAnError() {
        String id = create(null).path("lease_id").asText();
        clock.advance(Duration.ofSeconds(3));
        JsonNode r1 = http.post("/v1/dynamic/leases/" + id + "/renew", "{\"increment\":4}")
                .json();
        assertThat(r1.path("lease_duration").asLong()).isEqualTo(4);
        assertThat(r1.path("expires_at").asText()).isEqualTo("2026-12-01T12:00:07Z");
        assertThat(r1.path("issued_at").asText()).isEqualTo("2026-12-01T12:00:03Z");
        assertThat(r1.has("data")).isFalse();
        clock.advance(Duration.ofSeconds(6));
        assertThat(http.get("/v1/dynamic/leases/" + id).code()).isEqualTo("lease_not_found");
    }

    @Test
    void renewNearMaxTtlGrantsLess() {
        String id = create(null).path("lease_id").asText();
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(3));
            http.post("/v1/dynamic/leases/" + id + "/renew", "{\"increment\":4}");
        }
        clock.advance(Duration.ofSeconds(1)); // t = 10 s, max at 12 s
        Http.Resp r = http.post("/v1/dynamic/leases/" + id + "/renew", "{\"increment\":4}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("lease_duration").asLong()).isEqualTo(2);
        assertThat(r.json().path("expires_at").asText()).isEqualTo("2026-12-01T12:00:12Z");
        JsonNode noIncrement =
                http.post("/v1/dynamic/leases/" + id + "/renew", null).json();
        assertThat(noIncrement.path("expires_at").asText()).isEqualTo("2026-12-01T12:00:12Z");
    }

    @Test
    void expiryThroughTheReaper() {
        String id = create(null).path("lease_id").asText();
        clock.advance(Duration.ofSeconds(4));
        server.reapNow();
        assertThat(server.leases()).isEmpty();
        assertThat(server.expiredLeaseIds()).containsExactly(id);
        Http.Resp renew = http.post("/v1/dynamic/leases/" + id + "/renew", "{\"increment\":4}");
        assertThat(renew.status()).isEqualTo(404);
        assertThat(renew.code()).isEqualTo("lease_not_found");
    }

    @Test
    void revokeThroughTheApiAndOutOfBand() {
        String id = create(null).path("lease_id").asText();
        assertThat(http.post("/v1/dynamic/leases/" + id + "/revoke", null).status())
                .isEqualTo(204);
        assertThat(http.post("/v1/dynamic/leases/" + id + "/revoke", null).status())
                .isEqualTo(404);
        String oob = create(null).path("lease_id").asText();
        server.revokeLease(oob);
        assertThat(http.post("/v1/dynamic/leases/" + oob + "/renew", "{}").code())
                .isEqualTo("lease_not_found");
        assertThat(server.revokedLeaseIds()).containsExactly(id, oob);
        assertThatThrownBy(() -> server.revokeLease(oob)).isInstanceOf(IllegalArgumentException.class);
        String exp = create(null).path("lease_id").asText();
        server.expireLease(exp);
        assertThat(server.expiredLeaseIds()).containsExactly(exp);
        assertThat(http.post("/v1/dynamic/leases/lease_unknown/revoke", null).code())
                .isEqualTo("lease_not_found");
        assertThatThrownBy(() -> server.expireLease("lease_unknown"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease_unknown");
    }

    @Test
    void nonRenewableAndUnknownRoles() {
        String id = http.post("/v1/dynamic/engines/mem/creds/fixed", "{}")
                .json()
                .path("lease_id")
                .asText();
        Http.Resp r = http.post("/v1/dynamic/leases/" + id + "/renew", "{\"increment\":4}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("lease_not_renewable");
        assertThat(http.post("/v1/dynamic/engines/mem/creds/nope", "{}").code()).isEqualTo("role_not_found");
        assertThat(http.post("/v1/dynamic/engines/nope/creds/app", "{}").code()).isEqualTo("engine_not_found");
        assertThat(http.get("/v1/dynamic/engines/mem/creds/app").status()).isEqualTo(405);
    }

    @Test
    void closeRevokesEveryLease() {
        String a = create(null).path("lease_id").asText();
        String b = create(null).path("lease_id").asText();
        server.close();
        assertThat(server.revokedLeaseIds()).containsExactlyInAnyOrder(a, b);
        assertThat(server.leases()).isEmpty();
    }

    @Test
    void roleConfigValidation() {
        assertThatThrownBy(() -> RoleConfig.of(Duration.ofHours(2), Duration.ofHours(1)))
                .hasMessageContaining("PT2H")
                .hasMessageContaining("PT1H");
        assertThatThrownBy(() -> ScaiVaultDevServer.builder()
                        .dynamicRole("ghost", "app", RoleConfig.of(Duration.ofSeconds(1), Duration.ofSeconds(2)))
                        .start())
                .hasMessageContaining("ghost");
    }
}
