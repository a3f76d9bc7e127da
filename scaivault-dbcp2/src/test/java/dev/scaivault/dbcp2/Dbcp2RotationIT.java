package dev.scaivault.dbcp2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.pool.PoolBinding;
import dev.scaivault.pool.load.PgRoles;
import dev.scaivault.pool.load.RotationLoad;
import dev.scaivault.pool.load.Rotations;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import org.apache.commons.dbcp2.BasicDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The acceptance load through a {@code BasicDataSource} against a real PostgreSQL that enforces
 * scram-sha-256: 8 threads, pool size 5, 20 rotations per scenario, zero failed queries. Runs on the DBCP2 the
 * module compiles against and on the one Spring Boot 3.5 and 4.0 manage (failsafe execution it-dbcp2-boot).
 */
class Dbcp2RotationIT {
    static final int ROTATIONS = 20;
    static PgRoles pg;

    @BeforeAll
    static void start() {
        pg = new PgRoles(TestPostgres.start());
    }

    @AfterAll
    static void stop() {
        pg.server().close();
    }

    /** As Spring Boot builds it: by setters, started at its first getConnection(), no username or password. */
    static BasicDataSource lazyPool() {
        BasicDataSource ds = new BasicDataSource();
        ds.setUrl(pg.server().jdbcUrl());
        ds.setMaxTotal(5);
        ds.setMaxWait(java.time.Duration.ofSeconds(10));
        return ds;
    }

    static String version() {
        return BasicDataSource.class.getPackage().getImplementationVersion();
    }

    /**
     * Each rotation changes the password in the database first and publishes it up to 500 ms later, as a
     * kubelet volume update lags behind the rotation job. Any connection the pool opens in that window fails
     * authentication; the binding bridges it, so it costs latency only.
     */
    @Test
    void passwordChangedInTheDatabaseFirst() throws Exception {
        String role = "dbcp2_dbfirst";
        var rotations = Rotations.passwordChangedInTheDatabaseFirst(pg, role);
        var source = rotations.source();
        var load = RotationLoad.builder()
                .pool("dbcp2", version())
                .rotations(ROTATIONS)
                .build();
        try (BasicDataSource ds = lazyPool();
                var binding = PoolBinding.builder(ds, source)
                        .listener(load.listener())
                        .bind()) {
            var report = load.run("password-db-first", ds, rotations::rotate).print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(binding.metrics().rotations()).isEqualTo(ROTATIONS);
            assertThat(binding.metrics().mechanism()).isEqualTo("LOGIN_DRIVER");
            LeakCheck.assertNoSecretIn(binding, ds.getDriver(), ds.getConnectionPool());
        } finally {
            source.close();
        }
    }

    /**
     * A fresh role per rotation, like a dynamic lease: the previous role's sessions are terminated and the
     * role dropped as soon as the binding hands it off, so a single pooled connection still on it would fail
     * a query.
     */
    @Test
    void freshRolePerRotationDroppedRightAfterHandOff() throws Exception {
        String prefix = "dbcp2_lease_";
        var rotations = Rotations.freshRoleDroppedAfterHandOff(pg, prefix);
        var source = rotations.source();
        var load = RotationLoad.builder()
                .pool("dbcp2", version())
                .rotations(ROTATIONS)
                .build();
        try (BasicDataSource ds = lazyPool();
                var binding = PoolBinding.builder(ds, source)
                        .listener(load.listener())
                        .bind()) {
            var report =
                    load.run("fresh-role-per-rotation", ds, rotations::rotate).print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isZero();
        } finally {
            source.close();
        }
    }
}
