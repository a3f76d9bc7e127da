package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A real Boot application (Tomcat on a random loopback port, actuator, HikariCP) whose DataSource has no
 * username or password configured: dynamic PostgreSQL credentials from the dev server, leases of 6 s that
 * cannot be extended and a rotate threshold of 0.8, so a successor is acquired about every 1.2 s and each
 * lease overlaps its successor by about 4.8 s (a lease creation took up to 3.3 s on a loaded 2-core machine),
 * under 8 querying threads.
 */
class ScaiVaultDynamicIT {
    private static final String TOKEN = "dynamic-it-token-6c0d2a9b";
    private static TestPostgres pg;
    private static ScaiVaultDevServer server;
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void start() {
        LeakCheck.secret(TOKEN);
        pg = TestPostgres.start();
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "billing")
                .rateLimitsEnabled(false)
                .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                // Born at its max TTL, so a successor comes at every rotate point (4.8 s before expiry): a
                // generate (CREATE ROLE) took up to 3.3 s on a loaded 2-core machine, more than the 3 s a 4 s
                // lease at 0.75 left, and the expired role's connections were terminated under the load.
                .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(6), Duration.ofSeconds(6)))
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        static final Set<String> seen = ConcurrentHashMap.newKeySet();

        @Bean
        ApplicationListener<ApplicationEvent> scaivaultEvents() {
            return e -> {
                if (e instanceof ScaiVaultLeaseEvent l) {
                    seen.add("lease:" + l.type());
                    LeakCheck.assertNoSecretIn(l);
                } else if (e instanceof ScaiVaultRotationEvent r) {
                    seen.add("rotation:" + r.stage());
                }
            };
        }
    }

    static ConfigurableApplicationContext run(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "--spring.main.banner-mode=off",
                "--spring.datasource.url=" + pg.jdbcUrl(),
                "--spring.datasource.hikari.maximum-pool-size=8",
                "--spring.datasource.hikari.connection-timeout=5000",
                "--scaivault.url=" + server.baseUrl(),
                "--scaivault.token=" + TOKEN,
                "--scaivault.datasource.source=dynamic",
                "--scaivault.datasource.dynamic.engine=postgres",
                "--scaivault.datasource.dynamic.role=app",
                "--scaivault.datasource.dynamic.rotate-threshold=0.8",
                "--server.address=127.0.0.1",
                "--server.port=0",
                "--management.endpoints.web.exposure.include=health,configprops",
                "--management.endpoint.health.show-details=always",
                "--management.endpoint.configprops.show-values=always"));
        args.addAll(List.of(extra));
        return new SpringApplicationBuilder(App.class).run(args.toArray(String[]::new));
    }

    static JsonNode get(ConfigurableApplicationContext ctx, String path, int[] status) throws Exception {
        String port = ctx.getEnvironment().getProperty("local.server.port");
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (status != null) {
            status[0] = r.statusCode();
        }
        LeakCheck.assertNoSecretIn(r.body());
        return json.readTree(r.body());
    }

    // About 40 s: on Boot 3.5 and 4.1 only with -Pall-boot-lines (their compat apps rotate leases under load).
    @Test
    @Tag(Tags.LONG)
    void rotatesUnderLoadWithoutAFailedQueryAndHealthTellsTheTruth() throws Exception {
        long started = System.nanoTime();
        try (ConfigurableApplicationContext ctx = run()) {
            long startMs = (System.nanoTime() - started) / 1_000_000;
            ScaiVaultMonitor monitor = ctx.getBean(ScaiVaultMonitor.class);
            System.out.printf(
                    "[startup] dynamic source: first credential in %d ms (whole application start %d ms)%n",
                    monitor.firstCredentialsTime().toMillis(), startMs);
            @SuppressWarnings("unchecked")
            SecretSource<Credentials> source =
                    ctx.getBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN, SecretSource.class);
            source.subscribe(c -> LeakCheck.secret(c.current().password()));
            DataSource ds = ctx.getBean(DataSource.class);

            QueryLoad load = new QueryLoad(ds, 8);
            try {
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> monitor.sourceRotations.get() >= 20 && monitor.handOffs.get() >= 19);
            } finally {
                load.close();
            }
            System.out.printf(
                    "[dynamic] %d rotations, %d pool rotations, %d drains (total %d ms), %d queries ok, %d failed%n",
                    monitor.sourceRotations.get(),
                    monitor.poolRotations.get(),
                    monitor.handOffs.get(),
                    monitor.drainNanos.get() / 1_000_000,
                    load.ok.get(),
                    load.failed.get());
            assertThat(load.failures).isEmpty();
            assertThat(load.failed.get()).isZero();
            assertThat(load.ok.get()).isGreaterThan(1000);
            assertThat(load.lastUser.get()).isNotEqualTo("postgres");

            int[] status = new int[1];
            JsonNode health = get(ctx, "/actuator/health", status);
            JsonNode sv = health.path("components").path("scaivault");
            assertThat(status[0]).isEqualTo(200);
            assertThat(sv.path("status").asText()).isEqualTo("UP");
            JsonNode details = sv.path("details");
            assertThat(details.path("sources").has("lease:postgres/app")).isTrue();
            assertThat(details.path("sources")
                            .path("lease:postgres/app")
                            .path("valid")
                            .asBoolean())
                    .isTrue();
            assertThat(details.path("leaseRemainingMs").asLong()).isBetween(1L, 6000L);
            assertThat(details.has("tokenAgeMs")).isTrue();
            assertThat(details.has("lastRotation")).isTrue();
            assertThat(details.path("rotations").asLong()).isGreaterThanOrEqualTo(20);
            assertThat(details.path("staleSources").isArray()).isTrue();

            JsonNode props = get(ctx, "/actuator/configprops", null);
            assertThat(props.toString()).contains("scaivault").doesNotContain(TOKEN);

            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            assertThat(registry.get("scaivault.rotations").functionCounter().count())
                    .isGreaterThanOrEqualTo(20);
            assertThat(registry.get("scaivault.lease.created").functionCounter().count())
                    .isGreaterThanOrEqualTo(21);
            assertThat(registry.get("scaivault.pool.drain").functionTimer().count())
                    .isGreaterThanOrEqualTo(19);
            assertThat(registry.get("scaivault.requests")
                            .tag("outcome", "success")
                            .functionCounter()
                            .count())
                    .isGreaterThan(20);

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> App.seen.containsAll(Set.of(
                            "lease:CREATED",
                            "lease:ROTATED",
                            "lease:REVOKED",
                            "rotation:SOURCE_CHANGED",
                            "rotation:POOL_APPLIED",
                            "rotation:POOL_DRAINED")));

            // ScaiVault goes away: the lease can be neither renewed nor replaced, and expires within 6 s.
            server.refuseConnections(true);
            try {
                await().atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> "DOWN"
                                .equals(get(ctx, "/actuator/health", null)
                                        .path("components")
                                        .path("scaivault")
                                        .path("status")
                                        .asText()));
                JsonNode down = get(ctx, "/actuator/health", status);
                assertThat(status[0]).isEqualTo(503);
                JsonNode d = down.path("components").path("scaivault").path("details");
                assertThat(d.path("noValidCredentials").toString()).contains("lease:postgres/app");
                assertThat(d.path("leaseRemainingMs").asLong()).isZero();
                // Health turns DOWN as soon as the clock passes the expiry; the event comes from the keeper's
                // expiry timer, which may fire a moment later.
                await().atMost(Duration.ofSeconds(5)).until(() -> App.seen.contains("lease:EXPIRED"));
            } finally {
                server.refuseConnections(false);
            }
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> "UP"
                            .equals(get(ctx, "/actuator/health", null)
                                    .path("components")
                                    .path("scaivault")
                                    .path("status")
                                    .asText()));
        }
    }

    @Test
    void noCredentialsAtStartupFailsFastNamingTheSource() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> run("--scaivault.datasource.dynamic.role=nosuchrole", "--scaivault.call-budget=2s"))
                .hasStackTraceContaining("scaivault.datasource.source=dynamic: no credentials could be had")
                .hasStackTraceContaining("nosuchrole")
                .satisfies(LeakCheck::assertNoSecretIn);
    }
}
