package dev.scaivault.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The application with its credentials on a kubelet-style volume (one file per key, {@code ..data} symlink
 * swaps): each rotation (a new PostgreSQL role written to the volume) is picked up under 8 querying threads
 * without a failed query. Also measures what the starter adds to the start of such an application.
 */
class ScaiVaultFileIT {
    private static TestPostgres pg;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        pg = TestPostgres.start();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {}

    private static void createRole(String user, String password) throws Exception {
        LeakCheck.secret(password);
        try (Connection c = pg.admin();
                Statement st = c.createStatement()) {
            st.execute("CREATE ROLE \"" + user + "\" LOGIN PASSWORD '" + password + "'");
        }
    }

    private static ConfigurableApplicationContext run(String... args) {
        List<String> all = new ArrayList<>(List.of(
                "--spring.main.banner-mode=off",
                "--spring.datasource.url=" + pg.jdbcUrl(),
                "--spring.datasource.hikari.maximum-pool-size=8",
                "--spring.datasource.hikari.connection-timeout=5000"));
        all.addAll(Arrays.asList(args));
        return new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .run(all.toArray(String[]::new));
    }

    @Test
    void volumeRotationsArePickedUpWithoutAFailedQuery() throws Exception {
        KubeletVolume volume = KubeletVolume.at(tmp.resolve("db"));
        createRole("file_user_0", "file-pass-0-2f8e61");
        volume.writeStrings(Map.of("username", "file_user_0", "password", "file-pass-0-2f8e61"));
        try (ConfigurableApplicationContext ctx =
                run("--scaivault.datasource.source=file", "--scaivault.datasource.file.path=" + volume.dir())) {
            ScaiVaultMonitor monitor = ctx.getBean(ScaiVaultMonitor.class);
            DataSource ds = ctx.getBean(DataSource.class);
            QueryLoad load = new QueryLoad(ds, 8);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> "file_user_0".equals(load.lastUser.get()));
                for (int i = 1; i <= 5; i++) {
                    String user = "file_user_" + i;
                    String password = "file-pass-" + i + "-2f8e61";
                    createRole(user, password);
                    volume.writeStrings(Map.of("username", user, "password", password));
                    int n = i;
                    await().atMost(Duration.ofSeconds(20))
                            .pollInterval(Duration.ofMillis(50))
                            .until(() -> monitor.handOffs.get() >= n && user.equals(load.lastUser.get()));
                }
            } finally {
                load.close();
            }
            System.out.printf(
                    "[file] %d rotations, %d drains (total %d ms), %d queries ok, %d failed%n",
                    monitor.sourceRotations.get(),
                    monitor.handOffs.get(),
                    monitor.drainNanos.get() / 1_000_000,
                    load.ok.get(),
                    load.failed.get());
            assertThat(load.failures).isEmpty();
            assertThat(load.failed.get()).isZero();
            assertThat(monitor.sourceRotations.get()).isEqualTo(5);
            // The suite-wide LeakCheck saw this test's log lines (it checks them for the passwords after the test).
            assertThat(LeakCheck.capturedEvents()).isPositive();
        }
    }

    // A measurement of about 10 s: on Boot 3.5 and 4.1 only with -Pall-boot-lines.
    @Test
    @Tag(Tags.LONG)
    void startupCostOfTheStarterWithAFileSource() throws Exception {
        KubeletVolume volume = KubeletVolume.at(tmp.resolve("cost"));
        createRole("cost_user", "cost-pass-9a7c3e");
        volume.writeStrings(Map.of("username", "cost_user", "password", "cost-pass-9a7c3e"));
        String[] with = {"--scaivault.datasource.source=file", "--scaivault.datasource.file.path=" + volume.dir()};
        String[] without = {
            "--spring.autoconfigure.exclude=" + ScaiVaultAutoConfiguration.class.getName() + ","
                    + ScaiVaultActuatorConfiguration.class.getName(),
            "--spring.datasource.username=cost_user",
            "--spring.datasource.password=cost-pass-9a7c3e"
        };
        // Warm-up: class loading and JIT would otherwise be charged to whichever variant runs first.
        for (int i = 0; i < 2; i++) {
            time(with);
            time(without);
        }
        int rounds = 7;
        long[] a = new long[rounds];
        long[] b = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            a[i] = time(with);
            b[i] = time(without);
        }
        long sourceNanos;
        long bindNanos;
        try (ConfigurableApplicationContext ctx = run(with)) {
            ScaiVaultMonitor monitor = ctx.getBean(ScaiVaultMonitor.class);
            sourceNanos = monitor.firstCredentialsTime().toNanos();
            bindNanos = monitor.lastBindTime().toNanos();
        }
        System.out.printf(
                "[startup] runs with the starter (ns): %s; without: %s%n", Arrays.toString(a), Arrays.toString(b));
        Arrays.sort(a);
        Arrays.sort(b);
        double withMs = a[rounds / 2] / 1e6;
        double withoutMs = b[rounds / 2] / 1e6;
        System.out.printf(
                "[startup] file source: application start with the starter %.1f ms median / %.1f ms fastest, without"
                        + " %.1f ms / %.1f ms (%d runs each): the starter adds %.1f ms (median) / %.1f ms (fastest);"
                        + " the file credential source took %.1f ms to its first credential, binding the pool %.1f ms%n",
                withMs,
                a[0] / 1e6,
                withoutMs,
                b[0] / 1e6,
                rounds,
                withMs - withoutMs,
                (a[0] - b[0]) / 1e6,
                sourceNanos / 1e6,
                bindNanos / 1e6);
    }

    private static long time(String... args) throws Exception {
        long t0 = System.nanoTime();
        try (ConfigurableApplicationContext ctx = run(args)) {
            long t = System.nanoTime() - t0;
            // Both variants must have a working pool.
            try (Connection c = ctx.getBean(DataSource.class).getConnection()) {
                assertThat(c.isValid(5)).isTrue();
            }
            return t;
        }
    }
}
