package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneTest {
    @TempDir
    Path dir;

    @Test
    void startsFromASeedFile() throws IOException {
        Path seed = dir.resolve("seed.json");
        Files.writeString(
                seed,
                "{\"tokens\":[{\"token\":\"skt_seeded\",\"identity_id\":\"idn_demo\"}],"
                        + "\"clients\":[{\"client_id\":\"demo\",\"client_secret\":\"demo-secret\"}],"
                        + "\"engines\":[{\"engine\":\"postgres\",\"roles\":[{\"role\":\"app\",\"default_ttl_seconds\":60,"
                        + "\"max_ttl_seconds\":120}]}],"
                        + "\"rate_limits\":{\"read\":500},"
                        + "\"secrets\":["
                        + "{\"path\":\"apps/demo/db\",\"data\":{\"username\":\"demo\",\"password\":\"pw1\"}},"
                        + "{\"path\":\"apps/demo/db\",\"data\":{\"username\":\"demo\",\"password\":\"pw2\"}},"
                        + "{\"path\":\"apps/demo/cert\",\"secret_type\":\"certificate\",\"data\":{\"pem\":\"x\"},"
                        + "\"metadata\":{\"owner\":\"me\"}}]}");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ScaiVaultDevServer server = Standalone.start(
                new String[] {"--port", "0", "--seed", seed.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8))) {
            String printed = out.toString(StandardCharsets.UTF_8);
            assertThat(printed).contains("listening on " + server.baseUrl()).contains("Static token: skt_seeded");
            Http h = new Http(server).token("skt_seeded");
            Http.Resp r = h.get("/v1/secrets/apps/demo/db");
            assertThat(r.json().path("version").asLong()).isEqualTo(2);
            assertThat(r.header("X-RateLimit-Limit")).isEqualTo("500");
            assertThat(h.get("/v1/secrets/apps/demo/cert")
                            .json()
                            .path("metadata")
                            .path("owner")
                            .asText())
                    .isEqualTo("me");
            String basic = Base64.getEncoder().encodeToString("demo:demo-secret".getBytes(StandardCharsets.UTF_8));
            assertThat(h.form("/oauth/token", "grant_type=client_credentials", "Basic " + basic)
                            .status())
                    .isEqualTo(200);
            Http.Resp lease = h.post("/v1/dynamic/engines/postgres/creds/app", "{}");
            assertThat(lease.json().path("lease_duration").asLong()).isEqualTo(60);
        }
    }

    @Test
    void withoutASeedPrintsAGeneratedToken() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ScaiVaultDevServer server =
                Standalone.start(new String[] {"--port", "0"}, new PrintStream(out, true, StandardCharsets.UTF_8))) {
            String token = out.toString(StandardCharsets.UTF_8).replaceAll("(?s).*Static token: (\\S+).*", "$1");
            assertThat(token).startsWith("skt_dev_");
            assertThat(new Http(server).token(token).get("/v1/auth/whoami").status())
                    .isEqualTo(200);
        }
    }

    @Test
    void clearErrorsForBadArgumentsAndSeeds() throws IOException {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Standalone.start(new String[] {"--port", "x"}, sink))
                .hasMessageContaining("--port");
        assertThatThrownBy(() -> Standalone.start(new String[] {"--nope", "1"}, sink))
                .hasMessageContaining("--nope");
        assertThatThrownBy(() -> Standalone.start(new String[] {"--seed"}, sink))
                .hasMessageContaining("--seed");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"secrets\":[{\"path\":\"a//b\",\"data\":{}}]}");
        assertThatThrownBy(() -> Standalone.start(new String[] {"--port", "0", "--seed", bad.toString()}, sink))
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("a//b");
        Files.writeString(bad, "{not json");
        assertThatThrownBy(() -> Standalone.start(new String[] {"--port", "0", "--seed", bad.toString()}, sink))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Standalone.start(
                        new String[] {
                            "--port", "0", "--seed", dir.resolve("missing.json").toString()
                        },
                        sink))
                .hasMessageContaining("missing.json");
    }

    static String errorOf(String... args) {
        try {
            Standalone.parse(args);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + List.of(args));
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        assertThat(Standalone.parse(new String[] {"--help"}).help).isTrue();
        assertThat(Standalone.parse(new String[] {"-h"}).help).isTrue();
        for (String option : List.of(
                "--port N",
                "--bind ADDRESS",
                "--token TOKEN",
                "--token-lifetime DURATION",
                "--engine NAME",
                "--role NAME",
                "--lease-ttl DURATION",
                "--max-ttl DURATION",
                "--owner-role NAME",
                "--postgres ",
                "--postgres-port N",
                "--postgres-data DIR",
                "--postgres-url JDBC_URL",
                "--postgres-user NAME",
                "--admin-token TOKEN",
                "--admin-from-anywhere",
                "--seed FILE")) {
            assertThat(Standalone.USAGE).contains("  " + option);
        }
        long options =
                Standalone.USAGE.lines().filter(l -> l.startsWith("  --")).count();
        long defaults = Standalone.USAGE
                .lines()
                .filter(l -> l.trim().startsWith("Default: "))
                .count();
        assertThat(defaults).isEqualTo(options).isEqualTo(17);
        assertThat(Standalone.USAGE.lines())
                .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(106));
    }

    @Test
    void theDocsShowTheHelpOfTheServerAndOfTheAdminCommandVerbatim() throws IOException {
        String docs = Files.readString(Path.of("..", "docs", "testkit.md"), StandardCharsets.UTF_8);
        assertThat(docs).contains(Standalone.USAGE).contains(AdminCli.USAGE);
    }

    @Test
    void aBadOptionOrValueNamesItself() {
        assertThat(errorOf("--nope")).isEqualTo("unknown option --nope");
        assertThat(errorOf("serve")).isEqualTo("unexpected argument 'serve'");
        assertThat(errorOf("--port", "x")).isEqualTo("--port needs a port number 0..65535, got 'x'");
        assertThat(errorOf("--port=70000")).isEqualTo("--port needs a port number 0..65535, got '70000'");
        assertThat(errorOf("--token")).isEqualTo("option --token needs a value (TOKEN)");
        assertThat(errorOf("--postgres=yes")).isEqualTo("option --postgres takes no value, got 'yes'");
        assertThat(errorOf("--lease-ttl", "soon"))
                .startsWith("--lease-ttl needs a positive duration")
                .endsWith("got 'soon'");
        assertThat(errorOf("--lease-ttl", "2h", "--max-ttl", "1h"))
                .startsWith("--lease-ttl PT2H is longer than --max-ttl PT1H");
        assertThat(errorOf("--role", "a/b")).isEqualTo("--role needs a name without '/', got 'a/b'");
        assertThat(errorOf("--owner-role", "app owner"))
                .startsWith("--owner-role: owner must be a plain SQL identifier");
        assertThat(errorOf("--postgres-user", "admin")).isEqualTo("--postgres-user goes with --postgres-url");
        assertThat(errorOf("--postgres-url", "jdbc:mysql://h/db?password=pw"))
                .startsWith("--postgres-url: not a jdbc:postgresql://host:port/database URL")
                .doesNotContain("pw");
        assertThat(errorOf("--postgres-data", "d", "--postgres-url", "jdbc:postgresql://127.0.0.1:5432/app"))
                .isEqualTo(
                        "--postgres-data and --postgres-url: use the embedded PostgreSQL or an existing one, not both");
    }

    @Test
    void aUsageErrorIsOneLineThenTheSynopsisAndStatus2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Standalone.usageError("unknown option --nope", new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines())
                .containsExactly(
                        "scaivault dev server: unknown option --nope",
                        Standalone.SYNOPSIS,
                        "(--help lists every option)");
    }

    @Test
    void theFlagsSetTokenLeaseTimesAndRoleAndThePrintedConfigurationIsReadyToPaste() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ScaiVaultDevServer server = Standalone.start(
                new String[] {
                    "--port", "0",
                    "--token", "skt_fixed",
                    "--admin-token", "sktadm_fixed",
                    "--engine", "db",
                    "--role", "billing",
                    "--lease-ttl", "20s",
                    "--max-ttl", "1m",
                    "--token-lifetime", "10m"
                },
                new PrintStream(out, true, StandardCharsets.UTF_8))) {
            Http h = new Http(server).token("skt_fixed");
            Http.Resp lease = h.post("/v1/dynamic/engines/db/creds/billing", "{}");
            assertThat(lease.json().path("lease_duration").asLong()).isEqualTo(20);
            assertThat(Duration.between(
                            java.time.Instant.parse(
                                    lease.json().path("issued_at").asText()),
                            java.time.Instant.parse(
                                    lease.json().path("max_expires_at").asText())))
                    .isEqualTo(Duration.ofMinutes(1));
            String jwt = server.mintSubjectToken("sa", Duration.ofMinutes(1));
            assertThat(new Http(server)
                            .post("/v1/auth/exchange", "{\"subject_token\":\"" + jwt + "\"}")
                            .json()
                            .path("expires_in")
                            .asLong())
                    .isEqualTo(600);
            String printed = out.toString(StandardCharsets.UTF_8);
            assertThat(printed.lines())
                    .contains(
                            "Static token: skt_fixed",
                            "Dynamic role: db/billing (lease TTL 20s, max TTL 1m; in memory: no database, add --postgres)",
                            "export SCAIVAULT_URL=" + server.baseUrl(),
                            "export SCAIVAULT_TOKEN=skt_fixed",
                            "export SCAIVAULT_DEV_ADMIN_TOKEN=sktadm_fixed",
                            "scaivault.url=" + server.baseUrl(),
                            "scaivault.token=skt_fixed",
                            "scaivault.datasource.source=dynamic",
                            "scaivault.datasource.dynamic.engine=db",
                            "scaivault.datasource.dynamic.role=billing");
            // Every line is a comment, a KEY=VALUE line, blank, or a "Name: value" line for people.
            assertThat(printed.lines())
                    .allSatisfy(l -> assertThat(l).matches("|#.*|export [A-Z_]+=\\S+|[a-z.-]+=\\S+|[A-Z][^=]*"));
        }
    }

    @Test
    void roleFlagsAndASeedWithEnginesDoNotMix() throws IOException {
        Path seed = dir.resolve("engines.json");
        Files.writeString(seed, "{\"engines\":[{\"engine\":\"pg\",\"roles\":[{\"role\":\"app\"}]}]}");
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Standalone.start(
                        new String[] {"--port", "0", "--seed", seed.toString(), "--lease-ttl", "20s"}, sink))
                .hasMessage("--lease-ttl: the seed in " + seed + " defines the engines; set the role there");
    }
}
