package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitTest {
    ManualTime clock = new ManualTime(Instant.parse("2026-12-01T12:00:00Z"));

    @Test
    void bucketsPerIdentityAndCategoryRefillContinuously() {
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                .clock(clock.withZone(java.time.ZoneOffset.UTC))
                .staticToken("t1", "idn_one")
                .staticToken("t1b", "idn_one")
                .staticToken("t2", "idn_two")
                .rateLimit(RateCategory.READ, 3)
                .start()) {
            server.putSecret("a/b", Map.of("k", "v"));
            Http one = new Http(server).token("t1");
            for (int i = 2; i >= 0; i--) {
                Http.Resp r = one.get("/v1/secrets/a/b");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("X-RateLimit-Limit")).isEqualTo("3");
                assertThat(r.header("X-RateLimit-Remaining")).isEqualTo(Integer.toString(i));
            }
            Http.Resp limited = one.get("/v1/secrets/a/b");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.code()).isEqualTo("rate_limited");
            assertThat(limited.header("Retry-After")).isEqualTo("20");
            assertThat(limited.header("X-RateLimit-Remaining")).isEqualTo("0");
            assertThat(Long.parseLong(limited.header("X-RateLimit-Reset")))
                    .isEqualTo(clock.instant().plusSeconds(60).getEpochSecond());
            // Same identity through another token shares the bucket; another identity does not.
            assertThat(new Http(server).token("t1b").get("/v1/secrets/a/b").status())
                    .isEqualTo(429);
            assertThat(new Http(server).token("t2").get("/v1/secrets/a/b").status())
                    .isEqualTo(200);
            // Another category of the same identity is untouched.
            Http.Resp who = one.get("/v1/auth/whoami");
            assertThat(who.status()).isEqualTo(200);
            assertThat(who.header("X-RateLimit-Limit")).isEqualTo("300");

            clock.advance(Duration.ofSeconds(10));
            assertThat(one.get("/v1/secrets/a/b").header("Retry-After")).isEqualTo("10");
            clock.advance(Duration.ofSeconds(10));
            assertThat(one.get("/v1/secrets/a/b").status()).isEqualTo(200);
            assertThat(one.get("/v1/secrets/a/b").status()).isEqualTo(429);
        }
    }

    @Test
    void documentedDefaults() {
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                .clock(clock.withZone(java.time.ZoneOffset.UTC))
                .staticToken("t", "idn")
                .start()) {
            Http h = new Http(server).token("t");
            assertThat(h.get("/v1/secrets/a/b").header("X-RateLimit-Limit")).isEqualTo("1000");
            assertThat(h.post("/v1/secrets/batch", "{\"paths\":[\"a/b\"]}").header("X-RateLimit-Limit"))
                    .isEqualTo("100");
            assertThat(h.get("/v1/auth/whoami").header("X-RateLimit-Limit")).isEqualTo("300");
            assertThat(h.get("/v1/subscriptions/sub_x/poll").header("X-RateLimit-Limit"))
                    .isEqualTo("240");
            assertThat(h.post("/v1/dynamic/engines/pg/creds/app", "{}").header("X-RateLimit-Limit"))
                    .isEqualTo("100");
            assertThat(h.post("/v1/dynamic/leases/lease_x/renew", "{}").header("X-RateLimit-Limit"))
                    .isEqualTo("100");
            assertThat(h.put("/v1/secrets/a/b", "{\"data\":{}}").header("X-RateLimit-Limit"))
                    .isEqualTo("200");
            assertThat(RateCategory.POLL.defaultPerMinute()).isEqualTo(240);
        }
    }

    @Test
    void disabledLimitsNeverAnswer429() {
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                .clock(clock.withZone(java.time.ZoneOffset.UTC))
                .staticToken("t", "idn")
                .rateLimit(RateCategory.WHOAMI, 1)
                .rateLimitsEnabled(false)
                .start()) {
            Http h = new Http(server).token("t");
            for (int i = 0; i < 5; i++) {
                assertThat(h.get("/v1/auth/whoami").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void unauthenticatedEndpointsAreCountedPerClientAddress() {
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                .clock(clock.withZone(java.time.ZoneOffset.UTC))
                .rateLimit(RateCategory.AUTH, 2)
                .start()) {
            Http h = new Http(server);
            String body = "{\"subject_token\":\"" + server.mintSubjectToken("sa:x", Duration.ofMinutes(5)) + "\"}";
            assertThat(h.post("/v1/auth/exchange", body).status()).isEqualTo(200);
            assertThat(h.post("/v1/auth/exchange", body).status()).isEqualTo(200);
            Http.Resp r = h.post("/v1/auth/exchange", body);
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.header("Retry-After")).isEqualTo("30");
        }
    }
}
