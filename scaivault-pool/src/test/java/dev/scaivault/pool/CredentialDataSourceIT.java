package dev.scaivault.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.pool.load.PgRoles;
import dev.scaivault.pool.load.RotationLoad;
import dev.scaivault.pool.load.Rotations;
import dev.scaivault.testkit.pg.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.Driver;

/**
 * The acceptance load through a {@link CredentialDataSource} over pgjdbc's own PGSimpleDataSource, against a
 * PostgreSQL that enforces scram-sha-256: 8 threads, every query on a connection of its own (there is no
 * pool), 20 rotations per scenario, zero failed queries.
 */
class CredentialDataSourceIT {
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

    private static RotationLoad load() {
        return RotationLoad.builder()
                .pool("datasource", "pgjdbc-" + Driver.getVersion().replaceAll("[^0-9.]", ""))
                .rotations(ROTATIONS)
                .build();
    }

    /**
     * The password changes in the database first and is published up to 500 ms later: every login in that
     * window fails authentication and is bridged (refresh, wait, retry), so it costs latency only.
     */
    @Test
    void passwordChangedInTheDatabaseFirst() throws Exception {
        String role = "plain_dbfirst";
        var rotations = Rotations.passwordChangedInTheDatabaseFirst(pg, role);
        var load = load();
        try (var source = rotations.source();
                var ds = CredentialDataSource.builder(pg.simpleDataSource(), source)
                        .listener(load.listener())
                        .build()) {
            var report = load.run("password-db-first", ds, rotations::rotate).print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(ds.metrics().rotations()).isEqualTo(ROTATIONS);
        }
    }

    /**
     * A fresh role per rotation, like a dynamic lease: the previous role's sessions are terminated and the
     * role dropped as soon as the wrapper hands it off, which it does only once every connection opened with
     * it is closed.
     */
    @Test
    void freshRolePerRotationDroppedRightAfterHandOff() throws Exception {
        String prefix = "plain_lease_";
        var rotations = Rotations.freshRoleDroppedAfterHandOff(pg, prefix);
        var load = load();
        try (var source = rotations.source();
                var ds = CredentialDataSource.builder(pg.simpleDataSource(), source)
                        .listener(load.listener())
                        .build()) {
            var report =
                    load.run("fresh-role-per-rotation", ds, rotations::rotate).print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(ds.metrics().connectionsOnPreviousCredentials()).isZero();
        }
    }
}
