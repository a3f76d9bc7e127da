package dev.scaivault.ucp;

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
import oracle.ucp.jdbc.PoolDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the adapter guarantees for one connection at a time, against a real PostgreSQL. */
class UcpBindingIT {
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
     * UCP's refresh replaces the available connections at once and leaves a borrowed one to its borrower: it
     * keeps working, and UCP closes it when it is returned, so the hand-off waits for exactly that.
     */
    @Test
    void aConnectionBorrowedDuringARotationKeepsWorkingAndIsClosedWhenReturned() throws Exception {
        pg.createRole("ucp_held_a", "pw-held-a");
        pg.createRole("ucp_held_b", "pw-held-b");
        var source = new ManualCredentialSource(Credentials.of("ucp_held_a", "pw-held-a", "a"));
        PoolDataSource ds = UcpRotationIT.lazyPool(pg, "ucp-held");
        try (var binding = PoolBinding.bind(ds, source)) {
            Connection held = ds.getConnection();
            try (Connection idle = ds.getConnection()) {
                assertThat(currentUser(idle)).isEqualTo("ucp_held_a");
            }
            var handOff = source.publishNext(Credentials.of("ucp_held_b", "pw-held-b", "b"));
            await().atMost(Duration.ofSeconds(10)).until(() -> binding.metrics().rotations() == 1);

            try (Connection fresh = ds.getConnection()) {
                assertThat(currentUser(fresh)).isEqualTo("ucp_held_b");
            }
            assertThat(currentUser(held)).isEqualTo("ucp_held_a");
            assertThat(sessions("ucp_held_a"))
                    .as("the idle one was replaced, the borrowed one kept")
                    .isEqualTo(1);
            assertThat(handOff).isNotDone();

            held.close();
            handOff.get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> sessions("ucp_held_a") == 0);
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isZero();
        } finally {
            source.close();
            UcpRotationIT.destroy(ds);
        }
    }

    /**
     * Bound after it started, the pool keeps its own connection factory; UCP asks it for connections with the
     * pool's user and password at every borrow, so the adapter sets those, and borrowers get only connections
     * opened with the new pair from then on.
     */
    @Test
    void aPoolThatAlreadyRunsLendsOnlyConnectionsWithTheNewCredentials() throws Exception {
        pg.createRole("ucp_started_a", "pw-started-a");
        pg.createRole("ucp_started_b", "pw-started-b");
        PoolDataSource ds = UcpRotationIT.lazyPool(pg, "ucp-started");
        ds.setUser("ucp_started_a");
        ds.setPassword("pw-started-a");
        var source = new ManualCredentialSource(Credentials.of("ucp_started_a", "pw-started-a", "a"));
        try {
            try (Connection c = ds.getConnection()) {
                assertThat(currentUser(c)).isEqualTo("ucp_started_a");
            }
            try (var binding = PoolBinding.bind(ds, source)) {
                assertThat(binding.metrics().mechanism()).isEqualTo("SET_USER_AND_PASSWORD");
                source.publishNext(Credentials.of("ucp_started_b", "pw-started-b", "b"))
                        .get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 3; i++) {
                    try (Connection c = ds.getConnection()) {
                        assertThat(currentUser(c)).isEqualTo("ucp_started_b");
                    }
                }
            }
        } finally {
            source.close();
            UcpRotationIT.destroy(ds);
        }
    }

    /**
     * The database has the new password before the source: a login the pool needs in that window is refused,
     * and the binding holds it (asking the source to refresh) until the source has the new password, so the
     * borrower waits instead of failing.
     */
    @Test
    void aLoginRefusedBeforeTheSourceHasTheNewPasswordIsBridged() throws Exception {
        pg.createRole("ucp_bridge", "pw-bridge-1");
        var source = new ManualCredentialSource(Credentials.of("ucp_bridge", "pw-bridge-1", "v1"));
        PoolDataSource ds = UcpRotationIT.lazyPool(pg, "ucp-bridge");
        try (var binding = PoolBinding.bind(ds, source)) {
            try (Connection first = ds.getConnection()) {
                assertThat(currentUser(first)).isEqualTo("ucp_bridge");
            }
            pg.alterPassword("ucp_bridge", "pw-bridge-2");
            var publisher = CompletableFuture.runAsync(() -> {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> binding.metrics().bridgedAuthFailures() > 0);
                source.publishNext(Credentials.of("ucp_bridge", "pw-bridge-2", "v2"));
            });
            try (Connection idle = ds.getConnection();
                    Connection fresh = ds.getConnection()) {
                assertThat(currentUser(idle)).isEqualTo("ucp_bridge");
                assertThat(currentUser(fresh)).isEqualTo("ucp_bridge");
            }
            publisher.get(10, TimeUnit.SECONDS);
            assertThat(binding.metrics().bridgedAuthFailures()).isPositive();
        } finally {
            source.close();
            UcpRotationIT.destroy(ds);
        }
    }
}
