package dev.scaivault.dbcp2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.pool.PoolBinding;
import dev.scaivault.pool.load.ManualCredentialSource;
import dev.scaivault.pool.load.PgRoles;
import dev.scaivault.source.Credentials;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.commons.dbcp2.BasicDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the adapter guarantees for one connection at a time, against a real PostgreSQL. */
class Dbcp2BindingIT {
    static PgRoles pg;

    @BeforeAll
    static void start() {
        pg = new PgRoles(TestPostgres.start());
    }

    @AfterAll
    static void stop() {
        pg.server().close();
    }

    static String currentUser(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    static int sessions(String role) throws SQLException {
        try (Connection c = pg.server().admin();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + role + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * A connection borrowed across a rotation keeps working; once returned it is never lent again, and the
     * hand-off waits for it: DBCP2 has no soft eviction, so the adapter closes it at its next borrow or when the
     * binding clears the idle connections again.
     */
    @Test
    void aConnectionBorrowedDuringARotationKeepsWorkingAndIsClosedAfterItsReturn() throws Exception {
        pg.createRole("dbcp2_held_a", "pw-held-a");
        pg.createRole("dbcp2_held_b", "pw-held-b");
        var source = new ManualCredentialSource(Credentials.of("dbcp2_held_a", "pw-held-a", "a"));
        BasicDataSource ds = new BasicDataSource();
        ds.setUrl(pg.server().jdbcUrl());
        try (ds;
                var binding = PoolBinding.bind(ds, source)) {
            Connection held = ds.getConnection();
            var handOff = source.publishNext(Credentials.of("dbcp2_held_b", "pw-held-b", "b"));
            await().atMost(Duration.ofSeconds(10)).until(() -> binding.metrics().rotations() == 1);

            try (Connection fresh = ds.getConnection()) {
                assertThat(currentUser(fresh)).isEqualTo("dbcp2_held_b");
            }
            assertThat(currentUser(held)).isEqualTo("dbcp2_held_a");
            assertThat(handOff).isNotDone();

            held.close();
            handOff.get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> sessions("dbcp2_held_a") == 0);
            for (int i = 0; i < 3; i++) {
                try (Connection c = ds.getConnection()) {
                    assertThat(currentUser(c)).isEqualTo("dbcp2_held_b");
                }
            }
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isZero();
        } finally {
            source.close();
        }
    }

    /**
     * Bound after it started, the pool cannot be routed through the login driver; the adapter then writes the
     * user and password into the connection properties DBCP2's running connection factory shares with the data
     * source (DBCP2 ignores setUsername/setPassword once started), so new connections use them.
     */
    @Test
    void aPoolThatAlreadyRunsOpensNewConnectionsWithTheNewCredentials() throws Exception {
        pg.createRole("dbcp2_started_a", "pw-started-a");
        pg.createRole("dbcp2_started_b", "pw-started-b");
        var source = new ManualCredentialSource(Credentials.of("dbcp2_started_b", "pw-started-b", "b"));
        BasicDataSource ds = new BasicDataSource();
        ds.setUrl(pg.server().jdbcUrl());
        ds.setUsername("dbcp2_started_a");
        ds.setPassword("pw-started-a");
        try (ds) {
            try (Connection c = ds.getConnection()) {
                assertThat(currentUser(c)).isEqualTo("dbcp2_started_a");
            }
            var source2 = new ManualCredentialSource(Credentials.of("dbcp2_started_a", "pw-started-a", "a"));
            try (var binding = PoolBinding.bind(ds, source2)) {
                assertThat(binding.metrics().mechanism()).isEqualTo("CONNECTION_PROPERTIES");
                source2.publishNext(Credentials.of("dbcp2_started_b", "pw-started-b", "b"))
                        .get(10, TimeUnit.SECONDS);
                try (Connection c = ds.getConnection()) {
                    assertThat(currentUser(c)).isEqualTo("dbcp2_started_b");
                }
            } finally {
                source2.close();
            }
        } finally {
            source.close();
        }
    }

    /**
     * The database has the new password before the source: a login the pool needs in that window is refused,
     * and the binding holds it (asking the source to refresh) until the source has the new password, so the
     * borrower waits instead of failing.
     */
    @Test
    void aLoginRefusedBeforeTheSourceHasTheNewPasswordIsBridged() throws Exception {
        pg.createRole("dbcp2_bridge", "pw-bridge-1");
        var source = new ManualCredentialSource(Credentials.of("dbcp2_bridge", "pw-bridge-1", "v1"));
        BasicDataSource ds = new BasicDataSource();
        ds.setUrl(pg.server().jdbcUrl());
        try (ds;
                var binding = PoolBinding.bind(ds, source)) {
            try (Connection first = ds.getConnection()) {
                assertThat(currentUser(first)).isEqualTo("dbcp2_bridge");
            }
            pg.alterPassword("dbcp2_bridge", "pw-bridge-2");
            var publisher = CompletableFuture.runAsync(() -> {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> binding.metrics().bridgedAuthFailures() > 0);
                source.publishNext(Credentials.of("dbcp2_bridge", "pw-bridge-2", "v2"));
            });
            try (Connection idle = ds.getConnection();
                    Connection fresh = ds.getConnection()) {
                assertThat(currentUser(idle)).isEqualTo("dbcp2_bridge");
                assertThat(currentUser(fresh)).isEqualTo("dbcp2_bridge");
            }
            publisher.get(10, TimeUnit.SECONDS);
            assertThat(binding.metrics().bridgedAuthFailures()).isPositive();
        } finally {
            source.close();
        }
    }
}
