package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScaiVaultDevServerTest {
    static final String TOKEN = "skt_test_static_token_value";
    ManualTime clock = new ManualTime(Instant.parse("2026-12-01T12:00:00Z"));
    ScaiVaultDevServer server;
    Http http;

    @BeforeEach
    void start() {
        server = ScaiVaultDevServer.builder()
                .clock(clock.withZone(java.time.ZoneOffset.UTC))
                .staticToken(TOKEN, "idn_app")
                .clientCredentials("billing", "client-secret-value")
                .issuedTokenLifetime(Duration.ofMinutes(30))
                .start();
        http = new Http(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void urlsAreLoopbackWithoutTrailingSlash() {
        assertThat(server.baseUrl()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(server.tokenUrl()).isEqualTo(server.baseUrl() + "/oauth/token");
    }

    @Test
    void healthReadyAndVersionNeedNoToken() {
        Http.Resp h = http.get("/v1/health");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.json().path("status").asText()).isEqualTo("healthy");
        assertThat(h.header("Content-Type")).isEqualTo("application/json");
        assertThat(h.header("X-Request-ID")).startsWith("req_");
        assertThat(h.header("X-RateLimit-Limit")).isNotNull();
        assertThat(h.header("X-RateLimit-Remaining")).isNotNull();
        assertThat(Long.parseLong(h.header("X-RateLimit-Reset")))
                .isGreaterThanOrEqualTo(clock.instant().getEpochSecond());

        Http.Resp r = http.get("/v1/health/ready");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("ready");
        assertThat(r.json().path("checks").path("database").asText()).isEqualTo("ok");
        server.ready(false);
        Http.Resp nr = http.get("/v1/health/ready");
        assertThat(nr.status()).isEqualTo(503);
        assertThat(nr.json().path("status").asText()).isEqualTo("not_ready");

        assertThat(http.get("/v1/version").json().path("api_version").asText()).isEqualTo("v1");
    }

    @Test
    void unknownEndpointsAndMethods() {
        Http.Resp nf = http.get("/v1/nothing/here");
        assertThat(nf.status()).isEqualTo(404);
        assertThat(nf.code()).isEqualTo("not_found");
        assertThat(nf.json().path("error").path("request_id").asText()).isEqualTo(nf.header("X-Request-ID"));
        assertThat(http.post("/v1/health", "{}").status()).isEqualTo(405);
    }

    @Test
    void missingUnknownRevokedAndExpiredTokens() {
        Http.Resp none = http.get("/v1/secrets/a/b");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.code()).isEqualTo("authentication_required");
        assertThat(http.token("nope").get("/v1/auth/whoami").code()).isEqualTo("token_invalid");
        Http.Resp basic = http.send(http.builder("/v1/auth/whoami")
                .header("Authorization", "Basic abc")
                .GET());
        assertThat(basic.code()).isEqualTo("token_invalid");

        String issued = server.issueToken("idn_x");
        assertThat(http.token(issued).get("/v1/auth/whoami").status()).isEqualTo(200);
        server.revokeToken(issued);
        Http.Resp revoked = http.token(issued).get("/v1/auth/whoami");
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.code()).isEqualTo("token_revoked");

        String other = server.issueToken("idn_y");
        server.expireToken(other);
        assertThat(http.token(other).get("/v1/auth/whoami").code()).isEqualTo("token_expired");

        server.expireToken(TOKEN);
        assertThat(http.token(TOKEN).get("/v1/auth/whoami").code()).isEqualTo("token_expired");
        assertThatThrownBy(() -> server.revokeToken("never-seen")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void issuedTokensExpireOnTheServerClock() {
        String t = server.issueToken("idn_x");
        clock.advance(Duration.ofMinutes(29));
        assertThat(http.token(t).get("/v1/auth/whoami").status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(1));
        assertThat(http.token(t).get("/v1/auth/whoami").code()).isEqualTo("token_expired");
    }

    @Test
    void exchangeValidatesTheSubjectToken() {
        String jwt = server.mintSubjectToken("system:serviceaccount:billing:api", Duration.ofMinutes(10));
        Http.Resp ok = http.post("/v1/auth/exchange", exchangeBody(jwt));
        assertThat(ok.status()).isEqualTo(200);
        JsonNode j = ok.json();
        assertThat(j.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(j.path("expires_in").asLong()).isEqualTo(1800);
        assertThat(j.path("identity_id").asText()).isEqualTo("system:serviceaccount:billing:api");
        String access = j.path("access_token").asText();
        assertThat(access).isNotBlank().doesNotContain(".");

        JsonNode who = http.token(access).get("/v1/auth/whoami").json();
        assertThat(who.path("identity_id").asText()).isEqualTo("system:serviceaccount:billing:api");
        assertThat(who.path("identity_type").asText()).isEqualTo("service_account");
        assertThat(who.path("token_expires_at").asText()).isEqualTo("2026-12-01T12:30:00Z");

        clock.advance(Duration.ofMinutes(10));
        Http.Resp expired = http.post("/v1/auth/exchange", exchangeBody(jwt));
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.code()).isEqualTo("token_expired");

        for (String garbage : List.of("garbage", "a.b.c", jwt.substring(0, jwt.length() - 3) + "xyz", "")) {
            Http.Resp bad = http.post("/v1/auth/exchange", exchangeBody(garbage));
            assertThat(bad.status()).as(garbage).isIn(400, 401);
            assertThat(bad.code()).as(garbage).isIn("token_invalid", "invalid_request");
        }
        assertThat(http.post("/v1/auth/exchange", exchangeBody("x.y.z")).code()).isEqualTo("token_invalid");
        assertThat(http.post("/v1/auth/exchange", "not json").code()).isEqualTo("invalid_request");
    }

    @Test
    void exchangeAcceptsUnsignedTokensAndRejectsOtherAlgorithms() {
        long exp = clock.instant().plusSeconds(600).getEpochSecond();
        String payload = b64("{\"sub\":\"sa:one\",\"exp\":" + exp + "}");
        String unsigned = b64("{\"alg\":\"none\"}") + '.' + payload + '.';
        assertThat(http.post("/v1/auth/exchange", exchangeBody(unsigned)).status())
                .isEqualTo(200);
        String rs = b64("{\"alg\":\"RS256\"}") + '.' + payload + ".c2ln";
        assertThat(http.post("/v1/auth/exchange", exchangeBody(rs)).code()).isEqualTo("token_invalid");
        String noExp = b64("{\"alg\":\"none\"}") + '.' + b64("{\"sub\":\"sa:one\"}") + '.';
        assertThat(http.post("/v1/auth/exchange", exchangeBody(noExp)).code()).isEqualTo("token_invalid");
    }

    @Test
    void exchangeChecksTheAudienceWhenConfigured() {
        try (ScaiVaultDevServer aud = ScaiVaultDevServer.builder()
                .clock(clock.withZone(java.time.ZoneOffset.UTC))
                .subjectTokenAudience("scaivault")
                .start()) {
            Http h = new Http(aud);
            assertThat(h.post("/v1/auth/exchange", exchangeBody(aud.mintSubjectToken("sa:a", Duration.ofMinutes(5))))
                            .status())
                    .isEqualTo(200);
            Http.Resp wrong = h.post(
                    "/v1/auth/exchange", exchangeBody(aud.mintSubjectToken("sa:a", Duration.ofMinutes(5), "other")));
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.code()).isEqualTo("token_invalid");
            Http.Resp none = h.post(
                    "/v1/auth/exchange", exchangeBody(aud.mintSubjectToken("sa:a", Duration.ofMinutes(5), null)));
            assertThat(none.code()).isEqualTo("token_invalid");
        }
    }

    @Test
    void clientCredentialsWithBasicOrFormFields() {
        String basic = "Basic "
                + Base64.getEncoder().encodeToString("billing:client-secret-value".getBytes(StandardCharsets.UTF_8));
        Http.Resp ok = http.form("/oauth/token", "grant_type=client_credentials&scope=secrets%3Aread+leases", basic);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().path("token_type").asText()).isEqualTo("Bearer");
        assertThat(ok.json().path("expires_in").asLong()).isEqualTo(1800);
        assertThat(ok.json().path("scope").asText()).isEqualTo("secrets:read leases");
        JsonNode who = http.token(ok.json().path("access_token").asText())
                .get("/v1/auth/whoami")
                .json();
        assertThat(who.path("identity_id").asText()).isEqualTo("billing");
        assertThat(who.path("scopes").toString()).isEqualTo("[\"secrets:read\",\"leases\"]");

        Http.Resp form = http.form(
                "/oauth/token",
                "grant_type=client_credentials&client_id=billing&client_secret=client-secret-value",
                null);
        assertThat(form.status()).isEqualTo(200);

        Http.Resp wrong =
                http.form("/oauth/token", "grant_type=client_credentials&client_id=billing&client_secret=nope", null);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().path("error").asText()).isEqualTo("invalid_client");
        Http.Resp wrongBasic = http.form(
                "/oauth/token",
                "grant_type=client_credentials",
                "Basic " + Base64.getEncoder().encodeToString("billing:x".getBytes(StandardCharsets.UTF_8)));
        assertThat(wrongBasic.status()).isEqualTo(401);
        assertThat(wrongBasic.header("WWW-Authenticate")).startsWith("Basic");
        assertThat(http.form("/oauth/token", "grant_type=password", basic)
                        .json()
                        .path("error")
                        .asText())
                .isEqualTo("unsupported_grant_type");
    }

    @Test
    void whoamiEchoesTheTenant() {
        http.token(TOKEN);
        assertThat(http.get("/v1/auth/whoami").json().path("tenant_id").asText())
                .isEqualTo("tnt_dev");
        Http.Resp t = http.send(http.builder("/v1/auth/whoami")
                .header("X-Tenant-ID", "tnt_acme")
                .GET());
        assertThat(t.json().path("tenant_id").asText()).isEqualTo("tnt_acme");
        assertThat(http.get("/v1/t/tnt_other/auth/whoami")
                        .json()
                        .path("tenant_id")
                        .asText())
                .isEqualTo("tnt_other");
        JsonNode who = http.get("/v1/auth/whoami").json();
        for (String f : List.of(
                "identity_type", "display_name", "partner_id", "scopes", "groups", "roles", "mfa_verified_at")) {
            assertThat(who.has(f)).as(f).isTrue();
        }
    }

    @Test
    void secretsHaveVersions() {
        assertThat(server.putSecret("apps/billing/db", Map.of("username", "app", "password", "pw1")))
                .isEqualTo(1);
        http.token(TOKEN);
        Http.Resp put = http.put(
                "/v1/secrets/apps/billing/db",
                "{\"data\":{\"username\":\"app\",\"password\":\"pw2\"},\"metadata\":{\"owner\":\"team-billing\"}}");
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.json().path("version").asLong()).isEqualTo(2);
        assertThat(put.json().has("data")).isFalse();

        JsonNode latest = http.get("/v1/secrets/apps/billing/db").json();
        assertThat(latest.path("version").asLong()).isEqualTo(2);
        assertThat(latest.path("secret_type").asText()).isEqualTo("kv");
        assertThat(latest.path("data").path("password").asText()).isEqualTo("pw2");
        assertThat(latest.path("metadata").path("owner").asText()).isEqualTo("team-billing");
        assertThat(latest.path("path").asText()).isEqualTo("apps/billing/db");
        for (String f : List.of(
                "created_at",
                "updated_at",
                "expires_at",
                "last_accessed_at",
                "rotation_policy_id",
                "secret_policy_id")) {
            assertThat(latest.has(f)).as(f).isTrue();
        }
        assertThat(http.get("/v1/secrets/apps/billing/db?version=1")
                        .json()
                        .path("data")
                        .path("password")
                        .asText())
                .isEqualTo("pw1");
        Http.Resp v9 = http.get("/v1/secrets/apps/billing/db?version=9");
        assertThat(v9.status()).isEqualTo(404);
        assertThat(v9.code()).isEqualTo("version_not_found");
        Http.Resp missing = http.get("/v1/secrets/apps/none");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.code()).isEqualTo("secret_not_found");
        assertThat(http.get("/v1/secrets/apps/billing/db?version=abc").code()).isEqualTo("invalid_request");
    }

    @Test
    void encodedPathSegmentsAreDecoded() {
        http.token(TOKEN);
        assertThat(http.put("/v1/secrets/apps/my%20app/db%2Bx", "{\"data\":{\"k\":\"v\"}}")
                        .status())
                .isEqualTo(200);
        assertThat(http.get("/v1/secrets/apps/my%20app/db%2Bx")
                        .json()
                        .path("path")
                        .asText())
                .isEqualTo("apps/my app/db+x");
    }

    @Test
    void pathRules() {
        http.token(TOKEN);
        String eleven = "a/b/c/d/e/f/g/h/i/j/k";
        for (String bad : List.of("a//b", "a/", eleven, "a/" + "x".repeat(520), "a/%2F/b", "a/../b")) {
            Http.Resp r = http.get("/v1/secrets/" + bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.code()).as(bad).isEqualTo("invalid_path");
        }
        assertThat(http.put("/v1/secrets/a//b", "{\"data\":{}}").code()).isEqualTo("invalid_path");
        assertThat(http.get("/v1/t/tnt_x/secrets/a/").code()).isEqualTo("invalid_path");
        assertThat(http.get("/v1/t/tnt_x/secrets/a").code()).isEqualTo("secret_not_found");
        assertThat(http.get("/v1/health/").status()).isEqualTo(200);
        assertThat(http.get("/v1/secrets/a/b/c/d/e/f/g/h/i/j").code()).isEqualTo("secret_not_found");
        assertThatThrownBy(() -> server.putSecret("/lead", Map.of("k", "v")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid_path")
                .hasMessageContaining("/lead");
        assertThatThrownBy(() -> server.deleteSecret("no/such")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writeValidation() {
        http.token(TOKEN);
        Http.Resp noData = http.put("/v1/secrets/a/b", "{\"metadata\":{}}");
        assertThat(noData.status()).isEqualTo(422);
        assertThat(noData.code()).isEqualTo("validation_error");
        assertThat(noData.json().path("error").path("details").path("fields").has("data"))
                .isTrue();
        assertThat(http.put("/v1/secrets/a/b", "{\"data\":{},\"secret_type\":\"blob\"}")
                        .code())
                .isEqualTo("invalid_secret_type");
        assertThat(http.put("/v1/secrets/a/b", "{\"data\":{},\"options\":{\"expires_in\":\"soon\"}}")
                        .code())
                .isEqualTo("invalid_duration");
        assertThat(http.put("/v1/secrets/a/b", "{oops").code()).isEqualTo("invalid_request");
    }

    @Test
    void maxVersionsAndExpiresIn() {
        http.token(TOKEN);
        String body = "{\"data\":{\"k\":\"v\"},\"options\":{\"max_versions\":2,\"expires_in\":\"1h\"}}";
        for (int i = 0; i < 3; i++) {
            assertThat(http.put("/v1/secrets/x/y", body).status()).isEqualTo(200);
        }
        assertThat(http.get("/v1/secrets/x/y?version=1").code()).isEqualTo("version_not_found");
        assertThat(http.get("/v1/secrets/x/y?version=2").status()).isEqualTo(200);
        assertThat(http.get("/v1/secrets/x/y").json().path("expires_at").asText())
                .isEqualTo("2026-12-01T13:00:00Z");
        clock.advance(Duration.ofHours(1));
        assertThat(http.get("/v1/secrets/x/y").code()).isEqualTo("secret_not_found");
    }

    @Test
    void rotationKeepsTheOldVersionForTheGracePeriod() {
        server.putSecret("db/creds", Map.of("password", "old"));
        assertThat(server.rotateSecret("db/creds", Map.of("password", "new"), Duration.ofMinutes(10)))
                .isEqualTo(2);
        http.token(TOKEN);
        assertThat(http.get("/v1/secrets/db/creds")
                        .json()
                        .path("data")
                        .path("password")
                        .asText())
                .isEqualTo("new");
        clock.advance(Duration.ofMinutes(9));
        assertThat(http.get("/v1/secrets/db/creds?version=1").status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(1));
        Http.Resp gone = http.get("/v1/secrets/db/creds?version=1");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.code()).isEqualTo("version_not_found");

        assertThat(server.rotateSecret("db/creds", Map.of("password", "newer"))).isEqualTo(3);
        clock.advance(Duration.ofHours(47));
        assertThat(http.get("/v1/secrets/db/creds?version=2").status()).isEqualTo(200);
        clock.advance(Duration.ofHours(1));
        assertThat(http.get("/v1/secrets/db/creds?version=2").status()).isEqualTo(404);
        assertThatThrownBy(() -> server.rotateSecret("db/none", Map.of("k", "v")))
                .hasMessageContaining("db/none");
    }

    @Test
    void deleteByApiAndHttp() {
        server.putSecret("a/b", Map.of("k", "v"));
        server.deleteSecret("a/b");
        http.token(TOKEN);
        assertThat(http.get("/v1/secrets/a/b").code()).isEqualTo("secret_not_found");
        server.putSecret("a/c", Map.of("k", "v"));
        assertThat(http.delete("/v1/secrets/a/c").status()).isEqualTo(204);
        assertThat(http.delete("/v1/secrets/a/c").status()).isEqualTo(404);
    }

    @Test
    void typedSecretsWithMetadata() {
        server.putSecret(
                "certs/web", "certificate", Map.of("cert", "PEM"), Map.of("owner", "web", "tags", List.of("tls")));
        JsonNode s = http.token(TOKEN).get("/v1/secrets/certs/web").json();
        assertThat(s.path("secret_type").asText()).isEqualTo("certificate");
        assertThat(s.path("metadata").path("tags").get(0).asText()).isEqualTo("tls");
    }

    @Test
    void batchReadsWithPartialSuccess() {
        server.putSecret("a/one", Map.of("k", "1"));
        server.putSecret("a/two", Map.of("k", "2"));
        http.token(TOKEN);
        Http.Resp r = http.post("/v1/secrets/batch", "{\"paths\":[\"a/one\",\"a/two\",\"a/three\",\"bad//path\"]}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.path("secrets").path("a/one").path("data").path("k").asText())
                .isEqualTo("1");
        assertThat(j.path("secrets").path("a/two").path("version").asLong()).isEqualTo(1);
        assertThat(j.path("secrets").path("a/two").path("secret_type").asText()).isEqualTo("kv");
        assertThat(j.path("secrets").path("a/two").has("metadata")).isFalse();
        assertThat(j.path("errors").path("a/three").path("code").asText()).isEqualTo("secret_not_found");
        assertThat(j.path("errors").path("bad//path").path("code").asText()).isEqualTo("invalid_path");

        JsonNode meta = http.post(
                        "/v1/secrets/batch", "{\"paths\":[\"a/one\"],\"options\":{\"include_metadata\":true}}")
                .json();
        assertThat(meta.path("secrets").path("a/one").has("metadata")).isTrue();
        Http.Resp ff =
                http.post("/v1/secrets/batch", "{\"paths\":[\"a/one\",\"a/none\"],\"options\":{\"fail_fast\":true}}");
        assertThat(ff.status()).isEqualTo(404);
        assertThat(ff.json().path("error").path("details").path("path").asText())
                .isEqualTo("a/none");

        StringBuilder many = new StringBuilder("{\"paths\":[");
        for (int i = 0; i < 101; i++) {
            many.append(i == 0 ? "" : ",").append("\"p/").append(i).append('"');
        }
        Http.Resp tooMany = http.post("/v1/secrets/batch", many.append("]}").toString());
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.code()).isEqualTo("invalid_request");
        assertThat(http.post("/v1/secrets/batch", "{\"paths\":[]}").code()).isEqualTo("invalid_request");
    }

    @Test
    void requestLogRecordsWhatWasSentAndAnswered() {
        server.putSecret("a/b", Map.of("k", "v"));
        http.token(TOKEN).get("/v1/secrets/a/b?version=1");
        http.put("/v1/secrets/a/b", "{\"data\":{\"k\":\"w\"}}");
        List<RecordedRequest> log = server.requests();
        assertThat(log).hasSize(2);
        RecordedRequest get = log.get(0);
        assertThat(get.method()).isEqualTo("GET");
        assertThat(get.path()).isEqualTo("/v1/secrets/a/b");
        assertThat(get.query()).containsEntry("version", "1");
        assertThat(get.rawQuery()).isEqualTo("version=1");
        assertThat(get.header("authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(get.headers()).containsKey("Authorization");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.requestId()).startsWith("req_");
        assertThat(get.at()).isEqualTo(clock.instant());
        assertThat(log.get(1).body()).isEqualTo("{\"data\":{\"k\":\"w\"}}");
        assertThat(log.get(1).toString()).doesNotContain("w\"").doesNotContain(TOKEN);
        server.clearRequests();
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void requestLogIsBounded() {
        try (ScaiVaultDevServer small =
                ScaiVaultDevServer.builder().requestLogLimit(3).start()) {
            Http h = new Http(small);
            for (int i = 0; i < 5; i++) {
                h.get("/v1/health?i=" + i);
            }
            assertThat(small.requests()).extracting(r -> r.query().get("i")).containsExactly("2", "3", "4");
        }
    }

    static String exchangeBody(String jwt) {
        return "{\"subject_token\":\"" + jwt + "\",\"subject_token_type\":\"urn:ietf:params:oauth:token-type:jwt\"}";
    }

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
