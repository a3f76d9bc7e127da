package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile server answers for every decoder in {@link Protocol}: the only exception allowed is {@link
 * ScaiVaultException} (with a message, naming what was decoded), whatever the bytes. The default build replays
 * the seeds in {@code ProtocolFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/reliability.md).
 */
class ProtocolFuzzTest {
    private static final java.util.function.UnaryOperator<String> SCRUB =
            t -> new Redactor().scrub(t, java.util.List.of());

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    /** Parses like every caller does: {@link Protocol#parse} first, then the decoder. */
    private static JsonNode parse(byte[] body, String what) {
        assertThat(body.length).isLessThanOrEqualTo((int) Http.MAX_RESPONSE_BYTES);
        return Protocol.parse(body, what);
    }

    private static void expectOnly(ScaiVaultException e, String what) {
        assertThat(e.getMessage()).isNotBlank().contains(what).hasSizeLessThan(2000);
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void secret(byte[] body) {
        try {
            Secret s = Protocol.secret(parse(body, "secret a/b"), "a/b");
            assertThat(s.data()).hasSizeLessThanOrEqualTo(Protocol.MAX_KEYS);
            assertThat(s.path()).isNotNull();
            assertThat(s.toString()).isNotNull();
        } catch (ScaiVaultException e) {
            expectOnly(e, "a/b");
        }
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void batch(byte[] body) {
        try {
            BatchResult r = Protocol.batch(parse(body, "batch"), SCRUB);
            assertThat(r.secrets()).doesNotContainValue(null);
        } catch (ScaiVaultException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void lease(FuzzedDataProvider data) {
        boolean generate = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        try {
            Lease l = generate
                    ? Protocol.lease(parse(body, "lease"), NOW, "pg", "app")
                    : Protocol.lease(parse(body, "lease"), NOW, null, null);
            assertThat(l.id()).isNotNull();
            assertThat(l.expiresAt()).isNotNull();
            assertThat(l.duration()).isNotNull();
            assertThat(l.data()).hasSizeLessThanOrEqualTo(Protocol.MAX_KEYS);
            assertThat(l.toString()).isNotNull();
        } catch (ScaiVaultException e) {
            expectOnly(e, "lease");
        }
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void exchangeAnswer(byte[] body) {
        try {
            Protocol.IssuedToken t = Protocol.issuedToken(parse(body, "token exchange"), NOW, null, "token exchange");
            assertThat(t.value()).isNotEmpty();
            assertThat(t.issuedAt()).isEqualTo(NOW);
        } catch (ScaiVaultException e) {
            expectOnly(e, "token exchange");
        }
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void jwtExpiry(byte[] token) {
        // Never throws: a token that is not a JWT simply has no known expiry.
        Protocol.jwtExpiry(new String(token, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void errorEnvelope(FuzzedDataProvider data) {
        int status = data.consumeInt(100, 599);
        String retryAfter = data.consumeBoolean() ? data.consumeString(40) : null;
        String requestId = data.consumeBoolean() ? data.consumeString(40) : null;
        byte[] body = data.consumeRemainingAsBytes();
        ScaiVaultApiException e = Protocol.error("read secret a/b", status, body, requestId, retryAfter, NOW, SCRUB);
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.code()).isNotNull();
        assertThat(e.getMessage()).startsWith("read secret a/b: HTTP " + status);
        e.retryAfter().ifPresent(d -> assertThat(d.isNegative()).isFalse());
        switch (status) {
            case 401 -> assertThat(e).isInstanceOf(AuthenticationException.class);
            case 403 -> assertThat(e).isInstanceOf(AccessDeniedException.class);
            case 404 -> assertThat(e).isInstanceOf(NotFoundException.class);
            case 429 -> assertThat(e).isInstanceOf(RateLimitedException.class);
            default -> {}
        }
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void events(byte[] body) {
        try {
            EventBatch b = Protocol.events(parse(body, "poll events"));
            assertThat(b.events()).allSatisfy(ev -> assertThat(ev.data()).hasSizeLessThanOrEqualTo(Protocol.MAX_KEYS));
        } catch (ScaiVaultException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void identityAndSubscription(FuzzedDataProvider data) {
        boolean identity = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        try {
            if (identity) {
                assertThat(Protocol.identity(parse(body, "whoami"))).isNotNull();
            } else {
                assertThat(Protocol.subscription(parse(body, "create subscription"))
                                .id())
                        .isNotNull();
            }
        } catch (ScaiVaultException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
