package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control plane over HTTP and through the admin command, against a standalone server (in-memory engine). */
class ControlPlaneTest {
    static final String TOKEN = "skt_cp_app";
    static final String ADMIN = "sktadm_cp_admin";

    ScaiVaultDevServer server;
    Http app;
    Http admin;

    @BeforeEach
    void start() {
        server = Standalone.start(
                new String[] {
                    "--port", "0", "--token", TOKEN, "--admin-token", ADMIN, "--lease-ttl", "30s", "--max-ttl", "5m"
                },
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        app = new Http(server).token(TOKEN);
        admin = new Http(server).token(ADMIN);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    JsonNode lease() {
        Http.Resp r = app.post("/v1/dynamic/engines/postgres/creds/app", "{}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    /** Runs the admin command in-process; returns its exit status, output and error output. */
    record Cli(int status, String out, String err) {}

    Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = AdminCli.run(
                args,
                Map.of("SCAIVAULT_URL", server.baseUrl(), "SCAIVAULT_DEV_ADMIN_TOKEN", ADMIN),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theControlPlaneNeedsTheAdminTokenAndALoopbackPeer() throws Exception {
        assertThat(new Http(server).get("/_devserver/leases").code()).isEqualTo("authentication_required");
        assertThat(app.get("/_devserver/leases").code()).isEqualTo("token_invalid");
        assertThat(admin.get("/_devserver/leases").status()).isEqualTo(200);
        // The application's API does not take the admin token.
        assertThat(admin.get("/v1/auth/whoami").status()).isEqualTo(401);

        ControlPlane cp = new ControlPlane(server, null, null, ADMIN, false);
        HttpCore.Request remote = new HttpCore.Request(
                "GET",
                "/_devserver/leases",
                "/_devserver/leases",
                "",
                Map.of("Authorization", List.of("Bearer " + ADMIN)),
                new byte[0],
                InetAddress.getByAddress(new byte[] {10, 1, 2, 3}));
        assertThatThrownBy(() -> cp.authorize(remote)).isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status)
                .isEqualTo(403));
        new ControlPlane(server, null, null, ADMIN, true).authorize(remote);
    }

    @Test
    void aServerWithoutAControlPlaneAnswersItsRoutesWith404() {
        try (ScaiVaultDevServer plain = ScaiVaultDevServer.builder().start()) {
            assertThat(new Http(plain).token(ADMIN).get("/_devserver/leases").status())
                    .isEqualTo(404);
        }
    }

    @Test
    void controlPlaneRequestsStayOutOfTheRequestLogAndFaults() {
        server.faults().during("* /**", Duration.ofMinutes(1), Fault.error(503, "service_unavailable"));
        assertThat(app.get("/v1/health").status()).isEqualTo(503);
        assertThat(admin.get("/_devserver/leases").status()).isEqualTo(200);
        assertThat(admin.delete("/_devserver/faults").status()).isEqualTo(204);
        assertThat(app.get("/v1/health").status()).isEqualTo(200);
        assertThat(server.requests()).extracting(RecordedRequest::path).containsExactly("/v1/health", "/v1/health");
    }

    @Test
    void listsLeasesAndRevokesExpiresAndCapsThem() {
        JsonNode a = lease();
        JsonNode b = lease();
        JsonNode c = lease();
        String listed = cli("leases").out();
        assertThat(listed)
                .contains(a.path("lease_id").asText() + "  postgres/app  user "
                        + a.path("data").path("username").asText())
                .doesNotContain(a.path("data").path("password").asText());

        Cli revoked = cli("revoke", a.path("lease_id").asText());
        assertThat(revoked.status()).isZero();
        assertThat(server.revokedLeaseIds()).containsExactly(a.path("lease_id").asText());
        assertThat(cli("expire", b.path("lease_id").asText()).status()).isZero();
        assertThat(server.expiredLeaseIds()).containsExactly(b.path("lease_id").asText());

        String id = c.path("lease_id").asText();
        assertThat(cli("cap", id).out())
                .startsWith(id + " capped: expires " + c.path("expires_at").asText());
        JsonNode renewed = app.post("/v1/dynamic/leases/" + id + "/renew", "{\"increment\":30}")
                .json();
        assertThat(renewed.path("expires_at").asText())
                .isEqualTo(c.path("expires_at").asText());
        assertThat(renewed.path("max_expires_at").asText())
                .isEqualTo(c.path("expires_at").asText());
        assertThat(renewed.path("lease_duration").asLong()).isLessThanOrEqualTo(30);

        assertThat(cli("cap", id, "--within", "5s").status()).isZero();
        assertThat(server.leases()).singleElement().satisfies(l -> assertThat(l.expiresAt())
                .isBefore(l.issuedAt().plusSeconds(6)));

        Cli gone = cli("revoke", a.path("lease_id").asText());
        assertThat(gone.status()).isEqualTo(1);
        assertThat(gone.err()).contains("HTTP 404 lease_not_found");
    }

    @Test
    void rotatesASecretKeepingTheKeysItDoesNotChange() {
        server.putSecret("apps/demo/db", Map.of("username", "demo", "password", "pw1", "host", "db"));
        Cli r = cli("rotate", "apps/demo/db", "username=demo2", "--generate", "password", "--grace", "1h");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("apps/demo/db: version 2 (secret.rotated published)\n");
        JsonNode data = app.get("/v1/secrets/apps/demo/db").json().path("data");
        assertThat(data.path("username").asText()).isEqualTo("demo2");
        assertThat(data.path("host").asText()).isEqualTo("db");
        assertThat(data.path("password").asText()).hasSize(32).isNotEqualTo("pw1");
        assertThat(r.out()).doesNotContain(data.path("password").asText());
        assertThat(server.events()).last().asString().contains("\"secret.rotated\"");
        assertThat(app.get("/v1/secrets/apps/demo/db?version=1").status()).isEqualTo(200);

        assertThat(cli("rotate", "apps/demo/db").err()).contains("needs data to change or keys to generate");
        assertThat(cli("rotate", "apps/none", "--generate", "password").err()).contains("404 secret_not_found");
        Cli bad = cli("rotate", "apps/demo/db", "s3cretWithoutEquals");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err()).doesNotContain("s3cretWithoutEquals");
    }

    @Test
    void aStandingFaultAnswersEveryMatchingRequestUntilItEnds() {
        Cli f = cli("fault", "GET /v1/secrets/**", "--status", "429", "--retry-after", "7s", "--for", "1m");
        assertThat(f.status()).as(f.err()).isZero();
        server.putSecret("a/b", Map.of("k", "v"));
        for (int i = 0; i < 3; i++) {
            Http.Resp r = app.get("/v1/secrets/a/b");
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.header("Retry-After")).isEqualTo("7");
        }
        assertThat(app.get("/v1/health").status()).isEqualTo(200);
        assertThat(cli("fault", "* /v1/health", "--latency", "1s", "--for", "1m")
                        .status())
                .isZero();
        assertThat(cli("clear-faults").status()).isZero();
        assertThat(app.get("/v1/secrets/a/b").status()).isEqualTo(200);

        assertThat(cli("fault", "GET /v1/x", "--for", "1m").err()).contains("give either status");
        assertThat(cli("fault", "GET /v1/x", "--status", "503").err()).contains("--for DURATION is required");
        assertThat(cli("fault", "nonsense", "--status", "503", "--for", "1m").err())
                .contains("a fault route is");
    }

    @Test
    void refusesConnectionsForAWhileThenAcceptsThemAgain() {
        Cli r = cli("refuse", "2s");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("refusing connections for 2s\n");
        // Not "the connect is refused": on a busy machine another process may bind the freed ephemeral port at
        // once (a loaded run saw it), and then something else answers. What must hold is that we do not.
        assertThat(answersHealth())
                .as("the dev server answers while it refuses connections")
                .isFalse();
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> app.get("/v1/health").status() == 200);
        assertThat(cli("leases").status()).isZero();
    }

    private boolean answersHealth() {
        try {
            return app.get("/v1/health").status() == 200;
        } catch (RuntimeException refusedOrNotHttp) {
            return false;
        }
    }

    @Test
    void mintsASubjectTokenThatTheExchangeAccepts() {
        Cli r = cli("mint-token", "system:serviceaccount:billing:api", "--ttl", "5m");
        assertThat(r.status()).as(r.err()).isZero();
        Http.Resp exchanged = new Http(server)
                .post("/v1/auth/exchange", "{\"subject_token\":\"" + r.out().trim() + "\"}");
        assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(200);
        assertThat(exchanged.json().path("identity_id").asText()).isEqualTo("system:serviceaccount:billing:api");
    }

    @Test
    void badCommandLinesExitWith2AndOneClearLine() {
        Cli unknown = cli("explode");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err().lines().findFirst().orElseThrow())
                .isEqualTo("scaivault dev server admin: unknown command explode");
        assertThat(cli("leases", "--within", "5s").err()).contains("leases takes no option --within");
        assertThat(cli("cap").err()).contains("cap LEASE_ID");
        assertThat(cli("refuse", "soon").err())
                .contains("refuse needs a positive duration")
                .contains("'soon'");
        assertThat(cli("--help").out()).isEqualTo(AdminCli.USAGE);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = AdminCli.run(
                new String[] {"leases"},
                Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no admin token");
    }

    @Test
    void anUnreachableServerExitsWith1() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Cli r = cli("leases", "--server", "http://127.0.0.1:" + port);
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach the dev server at http://127.0.0.1:" + port);
    }
}
