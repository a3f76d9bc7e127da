package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The dev server refuses connections while the context starts on the break-glass file, then answers: the
 * pool moves to the lease's credentials, health stops reporting the fallback, and closing the context
 * revokes the lease.
 */
class ScaiVaultFallbackIT {
    private static final String TOKEN = "fallback-it-token-91e4c7a2";
    private static final String PASSWORD = "break-glass-pw-0d6e3b58";

    @TempDir
    Path dir;

    private ScaiVaultDevServer server;

    @BeforeEach
    void start() {
        LeakCheck.secret(TOKEN, PASSWORD);
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "billing")
                .rateLimitsEnabled(false)
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofSeconds(30), Duration.ofMinutes(5)))
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void startsOnTheFallbackAndMovesToTheLeaseWhenScaiVaultAnswers() throws Exception {
        Path breakGlass = dir.resolve("db-break-glass.json");
        Files.writeString(breakGlass, "{\"username\": \"breakglass\", \"password\": \"" + PASSWORD + "\"}");
        server.refuseConnections(true);
        String[] leaseId = new String[1];
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(ScaiVaultAutoConfiguration.class, ScaiVaultActuatorConfiguration.class))
                .withUserConfiguration(FallbackStartupTest.OwnPool.class)
                .withPropertyValues(
                        "scaivault.url=" + server.baseUrl(),
                        "scaivault.token=" + TOKEN,
                        "scaivault.connect-timeout=200ms",
                        "scaivault.call-budget=1s",
                        "scaivault.datasource.source=dynamic",
                        "scaivault.datasource.dynamic.engine=mem",
                        "scaivault.datasource.dynamic.role=app",
                        // Scales the retry backoff: at most a few seconds between attempts.
                        "scaivault.datasource.dynamic.ttl=20s",
                        "scaivault.datasource.fallback.path=" + breakGlass)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    HikariDataSource pool = ctx.getBean(HikariDataSource.class);
                    assertThat(pool.getUsername()).isEqualTo("breakglass");
                    assertThat(BootLine.health(ctx).details()).containsKey("servingFallback");

                    server.refuseConnections(false);
                    await().atMost(Duration.ofSeconds(20))
                            .pollInterval(Duration.ofMillis(50))
                            .until(() -> pool.getUsername().startsWith("v_"));
                    SecretSource<?> source =
                            ctx.getBean(ScaiVaultAutoConfiguration.CREDENTIAL_SOURCE_BEAN, SecretSource.class);
                    assertThat(source.status().servingFallback()).isFalse();
                    assertThat(server.leases()).hasSize(1);
                    leaseId[0] = server.leases().get(0).id();
                    assertThat(pool.getUsername())
                            .isEqualTo(server.leases().get(0).username());
                    HealthView h = BootLine.health(ctx);
                    assertThat(h.status()).isEqualTo("UP");
                    assertThat(h.details()).doesNotContainKey("servingFallback");
                    LeakCheck.assertNoSecretIn(h.health(), source.status());
                });
        assertThat(server.revokedLeaseIds()).contains(leaseId[0]);
    }

    @Test
    void onRealPostgresQueriesRunAsTheBreakGlassRoleThenAsTheLeasesRole() throws Exception {
        Path breakGlass = dir.resolve("db-break-glass.json");
        Files.writeString(breakGlass, "{\"username\": \"breakglass\", \"password\": \"" + PASSWORD + "\"}");
        try (TestPostgres pg = TestPostgres.start()) {
            try (Connection admin = pg.admin();
                    Statement st = admin.createStatement()) {
                st.execute("CREATE ROLE breakglass LOGIN PASSWORD '" + PASSWORD + "'");
            }
            ScaiVaultDevServer vault = ScaiVaultDevServer.builder()
                    .staticToken(TOKEN, "billing")
                    .rateLimitsEnabled(false)
                    .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                    .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(30), Duration.ofMinutes(5)))
                    .start();
            try {
                vault.refuseConnections(true);
                new ApplicationContextRunner()
                        .withConfiguration(AutoConfigurations.of(
                                ScaiVaultAutoConfiguration.class, ScaiVaultActuatorConfiguration.class))
                        .withBean(
                                HikariDataSource.class,
                                () -> {
                                    HikariDataSource ds = new HikariDataSource();
                                    ds.setJdbcUrl(pg.jdbcUrl());
                                    ds.setMaximumPoolSize(2);
                                    ds.setConnectionTimeout(5000);
                                    return ds;
                                },
                                bd -> bd.setDestroyMethodName("close"))
                        .withPropertyValues(
                                "scaivault.url=" + vault.baseUrl(),
                                "scaivault.token=" + TOKEN,
                                "scaivault.connect-timeout=200ms",
                                "scaivault.call-budget=1s",
                                "scaivault.datasource.source=dynamic",
                                "scaivault.datasource.dynamic.engine=postgres",
                                "scaivault.datasource.dynamic.role=app",
                                "scaivault.datasource.dynamic.ttl=20s",
                                "scaivault.datasource.fallback.path=" + breakGlass)
                        .run(ctx -> {
                            assertThat(ctx).hasNotFailed();
                            HikariDataSource pool = ctx.getBean(HikariDataSource.class);
                            assertThat(currentUser(pool)).isEqualTo("breakglass");
                            // A transaction still running on the break-glass role when ScaiVault comes back.
                            try (Connection held = pool.getConnection()) {
                                held.setAutoCommit(false);
                                assertThat(currentUser(held)).isEqualTo("breakglass");
                                vault.refuseConnections(false);
                                await().atMost(Duration.ofSeconds(20))
                                        .pollInterval(Duration.ofMillis(100))
                                        .until(() -> currentUser(pool).startsWith("v_"));
                                assertThat(currentUser(held)).isEqualTo("breakglass");
                                held.commit();
                            }
                            String leaseRole = vault.leases().get(0).username();
                            assertThat(currentUser(pool)).isEqualTo(leaseRole);
                        });
            } finally {
                vault.close();
            }
        }
    }

    private static String currentUser(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return currentUser(c);
        }
    }

    private static String currentUser(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
