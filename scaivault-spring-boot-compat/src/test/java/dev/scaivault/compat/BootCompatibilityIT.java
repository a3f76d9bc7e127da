package dev.scaivault.compat;

import dev.scaivault.ScaiVault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The starter of one Boot line in an application on Spring Boot's own parent, with the library versions that
 * Boot manages (each module of this directory runs it on its Boot: 3.5, 4.0, 4.1). Only the documented
 * properties: dynamic PostgreSQL credentials rotate under load without a failed query, a {@code scaivault://}
 * import loads, and {@code /actuator/health} shows {@code scaivault} UP. The test reads only what every line
 * has (HTTP, JDBC, Spring's core), so one source serves them all.
 */
class BootCompatibilityIT {
    private static final String TOKEN = "compat-token-0e4f7b12";
    private static final String GREETING = "compat-greeting-secret";
    private static TestPostgres pg;
    private static ScaiVaultDevServer server;

    @BeforeAll
    static void start() {
        LeakCheck.secret(TOKEN, GREETING);
        pg = TestPostgres.start();
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "compat")
                .rateLimitsEnabled(false)
                .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                // Born at its max TTL: a successor at every rotate point, 3 s before expiry.
                .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(4), Duration.ofSeconds(4)))
                .start();
        server.putSecret("apps/compat", Map.of("compat.greeting", GREETING));
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
        static final Set<String> events = ConcurrentHashMap.newKeySet();

        @Bean
        ApplicationListener<dev.scaivault.spring.ScaiVaultRotationEvent> rotations() {
            return e -> events.add(e.stage().name());
        }
    }

    @Test
    void anApplicationOnBootsOwnParentRotatesLeasesWithoutAFailedQueryImportsAndIsHealthy() throws Exception {
        String hikari = mavenVersion("com.zaxxer", "HikariCP");
        String jackson3 = jackson3Version();
        System.out.printf(
                "[compat] Spring Boot %s, HikariCP %s, Jackson 2 %s (the client's), Jackson 3 %s, Kotlin stdlib %s,"
                        + " Caffeine %s, OkHttp %s%n",
                SpringBootVersion.getVersion(),
                hikari,
                com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION,
                jackson3 == null ? "absent" : jackson3,
                kotlin.KotlinVersion.CURRENT,
                jarName(Caffeine.class),
                okhttp3.OkHttp.VERSION);
        // What the module's Boot parent says, passed in by its failsafe configuration.
        assertThat(SpringBootVersion.getVersion()).isEqualTo(System.getProperty("compat.boot"));
        assertThat(hikari).isEqualTo(System.getProperty("compat.hikaricp"));
        // Boot 4 renders /actuator/health with Jackson 3 while the client reads ScaiVault with Jackson 2.
        assertThat(jackson3 != null).isEqualTo(Boolean.getBoolean("compat.jackson3"));

        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class)
                .run(
                        "--spring.main.banner-mode=off",
                        "--server.address=127.0.0.1",
                        "--server.port=0",
                        "--spring.config.import=scaivault://apps/compat",
                        "--spring.datasource.url=" + pg.jdbcUrl(),
                        "--spring.datasource.hikari.maximum-pool-size=4",
                        "--scaivault.url=" + server.baseUrl(),
                        "--scaivault.token=" + TOKEN,
                        "--scaivault.datasource.source=dynamic",
                        "--scaivault.datasource.dynamic.engine=postgres",
                        "--scaivault.datasource.dynamic.role=app",
                        "--scaivault.datasource.dynamic.rotate-threshold=0.75",
                        "--management.endpoint.health.show-details=always")) {
            assertThat(ctx.getEnvironment().getProperty("compat.greeting")).isEqualTo(GREETING);
            DataSource ds = ctx.getBean(DataSource.class);
            assertThat(ds).isInstanceOf(HikariDataSource.class);

            Set<String> users = ConcurrentHashMap.newKeySet();
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(
                        () -> {
                            while (running.get()) {
                                try (Connection c = ds.getConnection();
                                        Statement st = c.createStatement();
                                        ResultSet rs = st.executeQuery("select current_user")) {
                                    rs.next();
                                    users.add(rs.getString(1));
                                    ok.incrementAndGet();
                                } catch (Exception e) {
                                    failed.incrementAndGet();
                                    if (failures.size() < 10) {
                                        failures.add(e.toString());
                                    }
                                }
                            }
                        },
                        "compat-query-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            try {
                // Four lease roles: three rotations applied to the pool under load.
                await().atMost(Duration.ofSeconds(60)).until(() -> users.size() >= 4);
            } finally {
                running.set(false);
                for (Thread t : threads) {
                    t.join(10_000);
                }
            }
            System.out.printf(
                    "[compat] %d lease roles seen, %d queries ok, %d failed%n", users.size(), ok.get(), failed.get());
            assertThat(failures).isEmpty();
            assertThat(failed.get()).isZero();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> App.events.containsAll(Set.of("SOURCE_CHANGED", "POOL_APPLIED", "POOL_DRAINED")));

            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + ctx.getEnvironment().getProperty("local.server.port")
                                            + "/actuator/health"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            LeakCheck.assertNoSecretIn(health.body());
            assertThat(health.statusCode()).isEqualTo(200);
            JsonNode scaivault = new ObjectMapper().readTree(health.body()).path("components").path("scaivault");
            assertThat(scaivault.path("status").asText()).as(health.body()).isEqualTo("UP");
            assertThat(scaivault.path("details").path("sources").has("lease:postgres/app"))
                    .isTrue();
        }
    }

    private static String mavenVersion(String group, String artifact) throws Exception {
        try (InputStream in = BootCompatibilityIT.class.getResourceAsStream(
                "/META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }

    /** Jackson 3's version when it is on the class path (Boot 4 brings it), else null. */
    private static String jackson3Version() {
        try {
            return String.valueOf(Class.forName("tools.jackson.databind.cfg.PackageVersion")
                    .getField("VERSION")
                    .get(null));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /** The jar a class was loaded from, whose name carries the version (Caffeine ships no pom.properties). */
    private static String jarName(Class<?> c) {
        String path = c.getProtectionDomain().getCodeSource().getLocation().getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
