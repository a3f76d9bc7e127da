package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
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
}
