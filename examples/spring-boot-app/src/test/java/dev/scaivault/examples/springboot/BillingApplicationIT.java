package dev.scaivault.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.pg.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The example as documented: its application.yml, a dev server with a PostgreSQL engine, leases that rotate. */
class BillingApplicationIT {
    static final String TOKEN = "skt_spring_example_token_123";

    @Test
    void servesRequestsWhileItsDatabaseRoleRotates() throws Exception {
        try (TestPostgres pg = TestPostgres.start();
                ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                        .staticToken(TOKEN, "idn_billing")
                        .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                        .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(3), Duration.ofSeconds(3)))
                        .start();
                ConfigurableApplicationContext app = new SpringApplicationBuilder(BillingApplication.class)
                        // Command-line arguments, as a user would pass them: they outrank application.yml.
                        .run(
                                "--server.port=0",
                                "--server.address=127.0.0.1",
                                "--scaivault.url=" + server.baseUrl(),
                                "--scaivault.token=" + TOKEN,
                                "--scaivault.datasource.dynamic.ttl=3s",
                                "--scaivault.datasource.dynamic.rotate-threshold=0.7",
                                "--spring.datasource.url=" + pg.jdbcUrl())) {
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newHttpClient();
            Set<String> users = new HashSet<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/whoami")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                users.add(r.body());
                return users.size() >= 3;
            });
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/actuator/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"scaivault\"").doesNotContain(TOKEN);
        }
    }
}
