package dev.scaivault.ucp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.pool.PoolBinding;
import dev.scaivault.pool.load.PgRoles;
import dev.scaivault.pool.load.RotationLoad;
import dev.scaivault.pool.load.Rotations;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.SQLException;
import oracle.ucp.admin.UniversalConnectionPoolManagerImpl;
import oracle.ucp.jdbc.PoolDataSource;
import oracle.ucp.jdbc.PoolDataSourceFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The acceptance load through a UCP {@code PoolDataSource} (PostgreSQL's {@code PGSimpleDataSource} as its
 * connection factory) against a real PostgreSQL that enforces scram-sha-256: 8 threads, pool size 5, 20
 * rotations per scenario, zero failed queries. Runs on the UCP the module compiles against and on the one
 * Spring Boot 4.1 manages (failsafe execution it-ucp-boot).
 */
class UcpRotationIT {
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

    /** Configured by setters, started at its first getConnection(), no user or password: the source has them. */
    static PoolDataSource lazyPool(PgRoles pg, String name) throws SQLException {
        PoolDataSource ds = PoolDataSourceFactory.getPoolDataSource();
        ds.setConnectionPoolName(name);
        ds.setConnectionFactoryClassName(PGSimpleDataSource.class.getName());
        ds.setURL(pg.server().jdbcUrl());
        ds.setServerName("127.0.0.1");
        ds.setPortNumber(pg.server().port());
        ds.setDatabaseName("postgres");
        ds.setInitialPoolSize(0);
        ds.setMinPoolSize(0);
        ds.setMaxPoolSize(5);
        ds.setConnectionWaitDuration(java.time.Duration.ofSeconds(10));
        return ds;
    }

    static String version() {
        return oracle.ucp.jdbc.PoolDataSource.class.getPackage().getImplementationVersion();
    }

    static void destroy(PoolDataSource ds) throws Exception {
        UniversalConnectionPoolManagerImpl.getUniversalConnectionPoolManager()
                .destroyConnectionPool(ds.getConnectionPoolName());
    }

    /**
     * Each rotation changes the password in the database first and publishes it up to 500 ms later, as a
     * kubelet volume update lags behind the rotation job. Any connection the pool opens in that window fails
     * authentication; the binding bridges it, so it costs latency only.
     */
    @Test
    void passwordChangedInTheDatabaseFirst() throws Exception {
        String role = "ucp_dbfirst";
        var rotations = Rotations.passwordChangedInTheDatabaseFirst(pg, role);
        var source = rotations.source();
        var load = RotationLoad.builder()
                .pool("ucp", version())
                .rotations(ROTATIONS)
                .build();
        PoolDataSource ds = lazyPool(pg, "ucp-dbfirst");
        try (var binding =
                PoolBinding.builder(ds, source).listener(load.listener()).bind()) {
            var report = load.run("password-db-first", ds, rotations::rotate).print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(binding.metrics().rotations()).isEqualTo(ROTATIONS);
            assertThat(binding.metrics().mechanism()).isEqualTo("LOGIN_FACTORY");
            LeakCheck.assertNoSecretIn(binding, ds);
        } finally {
            source.close();
            destroy(ds);
        }
    }

    /**
     * A fresh role per rotation, like a dynamic lease: the previous role's sessions are terminated and the
     * role dropped as soon as the binding hands it off, so a single pooled connection still on it would fail
     * a query.
     */
    @Test
    void freshRolePerRotationDroppedRightAfterHandOff() throws Exception {
        String prefix = "ucp_lease_";
        var rotations = Rotations.freshRoleDroppedAfterHandOff(pg, prefix);
        var source = rotations.source();
        var load = RotationLoad.builder()
                .pool("ucp", version())
                .rotations(ROTATIONS)
                .build();
        PoolDataSource ds = lazyPool(pg, "ucp-lease");
        try (var binding =
                PoolBinding.builder(ds, source).listener(load.listener()).bind()) {
            var report =
                    load.run("fresh-role-per-rotation", ds, rotations::rotate).print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isZero();
        } finally {
            source.close();
            destroy(ds);
        }
    }
}
