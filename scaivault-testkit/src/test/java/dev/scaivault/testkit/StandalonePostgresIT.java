package dev.scaivault.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StandalonePostgresIT {
    @Test
    void withPostgresTheDefaultEngineHandsOutCredentialsThatLogIn() throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ScaiVaultDevServer server = Standalone.start(
                new String[] {"--port", "0", "--postgres"},
                new PrintStream(buf, true, StandardCharsets.UTF_8),
                started);
        started.add(server);
        try {
            String out = buf.toString(StandardCharsets.UTF_8);
            String token = out.lines()
                    .filter(l -> l.startsWith("Static token: "))
                    .findFirst()
                    .orElseThrow()
                    .substring("Static token: ".length());
            String jdbc = out.lines()
                    .filter(l -> l.startsWith("PostgreSQL: "))
                    .findFirst()
                    .orElseThrow()
                    .split(" ")[1];
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create(server.baseUrl() + "/v1/dynamic/engines/postgres/creds/app"))
                                    .header("Authorization", "Bearer " + token)
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            var data = Json.MAPPER.readTree(r.body()).path("data");
            try (Connection c = DriverManager.getConnection(
                            jdbc,
                            data.path("username").asText(),
                            data.path("password").asText());
                    ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(data.path("username").asText());
            }
        } finally {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
        }
    }
}
