package dev.scaivault.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The starter in an application built on spring-boot-starter-parent 3.5.16, with the library versions Boot
 * manages: dynamic PostgreSQL credentials rotate under load, the config import works, health is UP.
 */
class BootCompatibilityIT {
    private static final String TOKEN = "compat-token-0e4f7b12";
    private static TestPostgres pg;
    private static ScaiVaultDevServer server;

    @BeforeAll
    static void start() {
        LeakCheck.secret(TOKEN, "compat-greeting-secret");
        pg = TestPostgres.start();
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "compat")
                .rateLimitsEnabled(false)
                .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(4), Duration.ofSeconds(4)))
                .start();
        server.putSecret("apps/compat", Map.of("compat.greeting", "compat-greeting-secret"));
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

    /** The jar a class was loaded from, whose name carries the version (Caffeine ships no pom.properties). */
    private static String jarName(Class<?> c) {
        String path = c.getProtectionDomain().getCodeSource().getLocation().getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Test
    void aBoot35ApplicationRotatesCredentialsEndToEnd() throws Exception {
        String hikari = mavenVersion("com.zaxxer", "HikariCP");
        System.out.printf(
                "[compat] Spring Boot %s, Jackson %s, Kotlin stdlib %s, HikariCP %s, Caffeine %s, OkHttp %s%n",
                SpringBootVersion.getVersion(),
                com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION,
                kotlin.KotlinVersion.CURRENT,
                hikari,
                jarName(Caffeine.class),
                okhttp3.OkHttp.VERSION);
        assertThat(SpringBootVersion.getVersion()).isEqualTo("3.5.16");
        assertThat(hikari).isEqualTo("6.3.3");
        assertThat(Caffeine.class).isNotNull();

        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .run(
                        "--spring.main.banner-mode=off",
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
            assertThat(ctx.getEnvironment().getProperty("compat.greeting")).isEqualTo("compat-greeting-secret");
            DataSource ds = ctx.getBean(DataSource.class);
            assertThat(ds).isInstanceOf(HikariDataSource.class);
            Set<String> users = ConcurrentHashMap.newKeySet();
            AtomicLong failed = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> threads = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    while (running.get()) {
                        try (Connection c = ds.getConnection();
                                Statement st = c.createStatement();
                                ResultSet rs = st.executeQuery("select current_user")) {
                            rs.next();
                            users.add(rs.getString(1));
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    }
                });
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> users.size() >= 4);
            } finally {
                running.set(false);
                for (Thread t : threads) {
                    t.join(10_000);
                }
            }
            assertThat(failed.get()).isZero();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> App.events.containsAll(Set.of("SOURCE_CHANGED", "POOL_APPLIED", "POOL_DRAINED")));

            HealthComponent health = ctx.getBean(HealthEndpoint.class).health();
            HealthComponent sv = ((CompositeHealth) health).getComponents().get("scaivault");
            assertThat(sv).isNotNull();
            assertThat(sv.getStatus()).isEqualTo(Status.UP);
        }
    }
}
