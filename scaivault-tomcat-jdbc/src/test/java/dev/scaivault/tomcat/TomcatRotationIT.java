package dev.scaivault.tomcat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.pool.PoolBinding;
import dev.scaivault.pool.load.PgRoles;
import dev.scaivault.pool.load.RotationLoad;
import dev.scaivault.pool.load.Rotations;
import dev.scaivault.testkit.pg.TestPostgres;
import org.apache.tomcat.jdbc.pool.DataSource;
import org.apache.tomcat.jdbc.pool.PoolProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The acceptance load on a Tomcat JDBC pool against a PostgreSQL that enforces scram-sha-256: 8 threads, pool
 * size 5, 20 rotations per scenario, zero failed queries. Run once per Tomcat line (the pom swaps the jar).
 */
class TomcatRotationIT {
    static final int ROTATIONS = 20;
    static PgRoles pg;

    enum Config {
        JDBC_URL,
        DATA_SOURCE
    }

    @BeforeAll
    static void start() {
        pg = new PgRoles(TestPostgres.start());
    }

    @AfterAll
    static void stop() {
        pg.server().close();
    }

    /** A pool configured as Spring Boot configures it: by properties, started at its first getConnection. */
    private static DataSource lazyPool(Config config, String name, long maxAgeMillis) {
        PoolProperties p = new PoolProperties();
        if (config == Config.JDBC_URL) {
            p.setUrl(pg.server().jdbcUrl());
            p.setDriverClassName("org.postgresql.Driver");
        } else {
            p.setDataSource(pg.simpleDataSource());
        }
        p.setName(name);
        p.setInitialSize(0);
        p.setMaxActive(5);
        p.setMaxIdle(5);
        p.setMinIdle(0);
        p.setMaxWait(10_000);
        p.setMaxAge(maxAgeMillis);
        return new DataSource(p);
    }

    private static RotationLoad load() {
        return RotationLoad.builder()
                .pool("tomcat-jdbc", TomcatVersion.onClassPath())
                .rotations(ROTATIONS)
                .build();
    }

    /**
     * The password changes in the database first and is published up to 500 ms later, as a kubelet volume
     * update lags behind the rotation job: a login in that window fails authentication and is bridged. A
     * saturated pool opens no connection in that window, so connections here live 300 ms at most ({@code
     * maxAge}, checked when one is returned): the pool logs in all the time, as one with a short maxAge does.
     */
    @ParameterizedTest
    @EnumSource(Config.class)
    void passwordChangedInTheDatabaseFirst(Config config) throws Exception {
        String role = "tomcat_dbfirst_" + config.name().toLowerCase();
        var rotations = Rotations.passwordChangedInTheDatabaseFirst(pg, role);
        var load = load();
        DataSource ds = lazyPool(config, "dbfirst-" + config, 300);
        try (var source = rotations.source();
                var binding = PoolBinding.builder(ds, source)
                        .listener(load.listener())
                        .bind()) {
            var report = load.run("password-db-first/" + config, ds, rotations::rotate)
                    .print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(report.bridgedAuthFailures()).as(report.toString()).isPositive();
            assertThat(binding.metrics().rotations()).isEqualTo(ROTATIONS);
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isZero();
        } finally {
            ds.close(true);
        }
    }

    /**
     * A fresh role per rotation, like a dynamic lease: the previous role's sessions are terminated and the
     * role dropped as soon as the binding hands it off, so a single pooled connection still on it would fail
     * a query.
     */
    @ParameterizedTest
    @EnumSource(Config.class)
    void freshRolePerRotationDroppedRightAfterHandOff(Config config) throws Exception {
        String prefix = "tomcat_lease_" + config.name().toLowerCase() + "_";
        var rotations = Rotations.freshRoleDroppedAfterHandOff(pg, prefix);
        var load = load();
        DataSource ds = lazyPool(config, "lease-" + config, 0);
        try (var source = rotations.source();
                var binding = PoolBinding.builder(ds, source)
                        .listener(load.listener())
                        .bind()) {
            var report = load.run("fresh-role-per-rotation/" + config, ds, rotations::rotate)
                    .print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
        } finally {
            ds.close(true);
        }
    }
}
