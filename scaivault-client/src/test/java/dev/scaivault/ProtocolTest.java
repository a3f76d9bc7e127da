package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ProtocolTest {
    private static final java.util.function.UnaryOperator<String> SCRUB =
            t -> new Redactor().scrub(t, java.util.List.of());

    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void envelopeErrorsBecomeTypedExceptionsWithCodeAndRequestId() {
        ScaiVaultApiException e = Protocol.error(
                "read secret a/b",
                404,
                b(
                        "{\"error\":{\"code\":\"secret_not_found\",\"message\":\"no such secret\",\"request_id\":\"req_1\"}}"),
                "req_header",
                null,
                NOW,
                SCRUB);
        assertThat(e).isInstanceOf(NotFoundException.class);
        assertThat(e.code()).isEqualTo("secret_not_found");
        assertThat(e.requestId()).contains("req_1");
        assertThat(e.getMessage()).contains("read secret a/b", "404", "secret_not_found", "req_1");

        assertThat(Protocol.error("x", 401, b("{\"error\":{\"code\":\"token_expired\"}}"), null, null, NOW, SCRUB))
                .isInstanceOf(AuthenticationException.class);
        assertThat(Protocol.error("x", 403, b("{\"error\":{\"code\":\"access_denied\"}}"), null, null, NOW, SCRUB))
                .isInstanceOf(AccessDeniedException.class);
        ScaiVaultApiException r =
                Protocol.error("x", 429, b("{\"error\":{\"code\":\"rate_limited\"}}"), "req_9", "7", NOW, SCRUB);
        assertThat(r).isInstanceOf(RateLimitedException.class);
        assertThat(r.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(r.requestId()).contains("req_9");
    }

    @Test
    void bodiesThatAreNotTheEnvelopeStillGiveAClearError() {
        ScaiVaultApiException html = Protocol.error(
                "read secret a", 502, b("<html><body>Bad Gateway</body></html>"), null, null, NOW, SCRUB);
        assertThat(html.code()).isEqualTo("http_502");
        assertThat(html.status()).isEqualTo(502);
        assertThat(html.getMessage()).contains("HTTP 502").doesNotContain("<html>");

        ScaiVaultApiException empty = Protocol.error("read secret a", 503, new byte[0], null, null, NOW, SCRUB);
        assertThat(empty.code()).isEqualTo("http_503");

        ScaiVaultApiException oauth = Protocol.error(
                "grant",
                401,
                b("{\"error\":\"invalid_client\",\"error_description\":\"bad client\"}"),
                null,
                null,
                NOW,
                SCRUB);
        assertThat(oauth).isInstanceOf(AuthenticationException.class);
        assertThat(oauth.code()).isEqualTo("invalid_client");
        ScaiVaultApiException oauth400 =
                Protocol.error("grant", 400, b("{\"error\":\"invalid_client\"}"), null, null, NOW, SCRUB);
        assertThat(oauth400).isInstanceOf(AuthenticationException.class);
    }

    @Test
    void retryAfterAcceptsSecondsAndHttpDates() {
        assertThat(Protocol.retryAfter("2", NOW)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Protocol.retryAfter(" 0 ", NOW)).isEqualTo(Duration.ZERO);
        assertThat(Protocol.retryAfter("Tue, 01 Dec 2026 10:00:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Protocol.retryAfter("Tue, 01 Dec 2026 09:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
        assertThat(Protocol.retryAfter("soon", NOW)).isNull();
        assertThat(Protocol.retryAfter(null, NOW)).isNull();
    }

    @Test
    void exchangeResponsesAreParsedLeniently() {
        var a = Protocol.issuedToken(
                Protocol.parse(b("{\"access_token\":\"tok-a\",\"expires_in\":3600}"), "x"), NOW, null, "x");
        assertThat(a.value()).isEqualTo("tok-a");
        assertThat(a.expiresAt()).isEqualTo(NOW.plusSeconds(3600));

        var b = Protocol.issuedToken(
                Protocol.parse(b("{\"token\":\"tok-b\",\"expires_at\":\"2026-12-01T10:30:00Z\"}"), "x"),
                NOW,
                null,
                "x");
        assertThat(b.value()).isEqualTo("tok-b");
        assertThat(b.expiresAt()).isEqualTo(Instant.parse("2026-12-01T10:30:00Z"));

        String jwt = jwt("{\"sub\":\"x\",\"exp\":" + NOW.plusSeconds(900).getEpochSecond() + "}");
        var c = Protocol.issuedToken(Protocol.parse(b("{\"access_token\":\"" + jwt + "\"}"), "x"), NOW, null, "x");
        assertThat(c.expiresAt()).isEqualTo(NOW.plusSeconds(900));

        var d = Protocol.issuedToken(Protocol.parse(b("{\"access_token\":\"opaque\"}"), "x"), NOW, null, "x");
        assertThat(d.expiresAt()).isNull();
        assertThat(d.toString()).doesNotContain("opaque");

        assertThatThrownBy(() -> Protocol.issuedToken(
                        Protocol.parse(b("{\"expires_in\":5}"), "exchange"), NOW, null, "exchange"))
                .hasMessageContaining("exchange")
                .hasMessageContaining("access_token");
    }

    static String jwt(String claims) {
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        return enc.encodeToString(b("{\"alg\":\"none\"}")) + "." + enc.encodeToString(b(claims)) + ".";
    }

    @Test
    void leasesAreParsedLeniently() {
        Lease l = Protocol.lease(
                Protocol.parse(
                        b("{\"id\":\"lease_1\",\"ttl\":60,\"renewable\":false,"
                                + "\"data\":{\"username\":\"u1\",\"password\":\"pw-not-shown\"}}"),
                        "x"),
                NOW,
                "postgres",
                "app");
        assertThat(l.id()).isEqualTo("lease_1");
        assertThat(l.duration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(l.expiresAt()).isEqualTo(NOW.plusSeconds(60));
        assertThat(l.renewable()).isFalse();
        assertThat(l.engine()).isEqualTo("postgres");
        assertThat(l.data()).containsEntry("username", "u1");
        assertThat(l.toString()).contains("lease_1", "username", "password").doesNotContain("pw-not-shown");

        Lease m = Protocol.lease(
                Protocol.parse(
                        b(
                                "{\"lease_id\":\"lease_2\",\"lease_duration\":3600,\"issued_at\":\"2026-12-01T09:00:00Z\","
                                        + "\"expires_at\":\"2026-12-01T10:00:00Z\",\"max_expires_at\":\"2026-12-02T09:00:00Z\"}"),
                        "x"),
                NOW,
                null,
                null);
        // The server's clock said 09:00 (expires_at - lease_duration): its times are moved onto ours.
        assertThat(m.expiresAt()).isEqualTo(NOW.plusSeconds(3600));
        assertThat(m.issuedAt()).isEqualTo(NOW);
        assertThat(m.maxExpiresAt()).contains(NOW.plus(Duration.ofHours(24)));
        assertThat(m.renewable()).isTrue();
    }

    @Test
    void secretPathsAreCheckedByTheDocumentedRules() {
        assertThat(Protocol.checkSecretPath("environments/production/billing/database"))
                .isEqualTo("environments/production/billing/database");
        assertThatThrownBy(() -> Protocol.checkSecretPath("/a")).hasMessageContaining("'/a'");
        assertThatThrownBy(() -> Protocol.checkSecretPath("a/")).hasMessageContaining("starts or ends");
        assertThatThrownBy(() -> Protocol.checkSecretPath("a//b")).hasMessageContaining("empty segment");
        assertThatThrownBy(() -> Protocol.checkSecretPath("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Protocol.checkSecretPath("1/2/3/4/5/6/7/8/9/10/11"))
                .hasMessageContaining("10 segments");
        assertThatThrownBy(() -> Protocol.checkSecretPath("a".repeat(513))).hasMessageContaining("512");
    }

    @Test
    void invalidJsonErrorsNeverQuoteTheBody() {
        assertThatThrownBy(() -> Protocol.parse(b("{\"password\": hunter2-secret"), "read secret db"))
                .hasMessageContaining("read secret db")
                .hasMessageContaining("not valid JSON")
                .hasMessageNotContaining("hunter2-secret");
        assertThatThrownBy(() -> Protocol.parse(b("[1,2]"), "read secret db"))
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> Protocol.parse(b("[".repeat(10_000)), "read secret db"))
                .isInstanceOf(ScaiVaultException.class);
    }
}
