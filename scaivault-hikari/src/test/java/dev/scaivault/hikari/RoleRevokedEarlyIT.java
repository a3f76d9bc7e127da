package dev.scaivault.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.hikari.Pg.PoolKind;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.pool.RotationListener;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.LeaseInfo;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The database drops a lease's role hours before the lease would end (revoked out of band: its sessions
 * are terminated and the role is gone), while the pool is serving: the pool's next login fails with 28P01,
 * the binding asks the keeper to refresh, the keeper finds the lease gone and acquires a successor, and the
 * request that hit the failure succeeds on the new role.
 */
@ExtendWith(LeakCheck.class)
class RoleRevokedEarlyIT {
    private static final String TOKEN = "skt_role_revoked_early_it_2b9e";

    static Pg pg;
    static ScaiVaultDevServer server;
    static ScaiVault vault;

    @BeforeAll
    static void start() {
        LeakCheck.secret(TOKEN);
        pg = new Pg(TestPostgres.start());
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "idn_role_revoked_early_it")
                .rateLimitsEnabled(false)
                .postgresEngine(
                        "postgres", pg.server().adminDataSource(), pg.server().jdbcUrl())
                // An hour-long lease: no scheduled renewal or rotation can stand in for the recovery.
                .postgresRole("postgres", "app", RoleConfig.of(Duration.ofHours(1), Duration.ofHours(24)))
                .start();
        vault = ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.token(TOKEN))
                .build();
    }

    @AfterAll
    static void stop() {
        vault.close();
        server.close();
        pg.server().close();
    }

    private static String query(HikariDataSource ds) throws Exception {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * The pool fills up in the background after its first connection; a login of that fill made while the role
     * is being ended would be the refused one, with whichever SQLState the moment gives (28000 between the
     * revocation's NOLOGIN and its DROP ROLE), instead of the request's.
     */
    private static void awaitFilled(HikariDataSource ds) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ds.getHikariPoolMXBean().getTotalConnections() == ds.getMaximumPoolSize());
    }

    private static SecretSource<Credentials> leaseSource() {
        return LeaseSource.builder(vault, "postgres", "app")
                .closeTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static HikariCredentialBinding bindRecordingBridges(
            HikariDataSource ds, SecretSource<Credentials> source, List<String> bridged) {
        return HikariCredentialBinding.builder(ds, source)
                .listener(new RotationListener() {
                    @Override
                    public void onAuthFailureBridged(String failure, boolean recovered) {
                        bridged.add(failure + (recovered ? " -> recovered" : " -> not recovered"));
                    }
                })
                .bind();
    }

    /** The request after the failure ran as a new role, and exactly one login was bridged, successfully. */
    private static void assertBridgedOnce(
            String first,
            String after,
            SecretSource<Credentials> source,
            List<String> bridged,
            HikariCredentialBinding b) {
        assertThat(after).isNotEqualTo(first).isEqualTo(source.current().username());
        assertThat(bridged)
                .singleElement()
                .satisfies(x -> assertThat(x).contains("28P01").endsWith("-> recovered"));
        assertThat(b.metrics().rotations()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aRoleDroppedEarlyFailsOneLoginWhichIsBridgedToTheSuccessorLease() throws Exception {
        List<String> bridged = new CopyOnWriteArrayList<>();
        try (SecretSource<Credentials> source = leaseSource();
                HikariDataSource ds = pg.lazyPool(PoolKind.DATA_SOURCE, "revoked-early");
                var binding = bindRecordingBridges(ds, source, bridged)) {
            LeakCheck.secret(source.current().password());
            String first = query(ds);
            assertThat(first).isEqualTo(source.current().username());
            awaitFilled(ds);
            LeaseInfo lease = server.leases().stream()
                    .filter(l -> l.username().equals(first))
                    .findFirst()
                    .orElseThrow();

            // The role goes away behind the keeper's back: sessions terminated, role dropped, lease forgotten.
            server.revokeLease(lease.id());
            ds.getHikariPoolMXBean().softEvictConnections();

            String after = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> query(ds));
            LeakCheck.secret(source.current().password());
            System.out.printf(
                    "role %s revoked early; the next request ran as %s; bridged: %s%n", first, after, bridged);
            assertBridgedOnce(first, after, source, bridged, binding);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> server.leases().stream().noneMatch(l -> l.id().equals(lease.id())));
        }
    }

    /**
     * The database alone ends the role (a DBA, a password policy, an expiry set in the database): ScaiVault
     * still holds the lease, so looking it up finds nothing wrong. The binding's refresh after the refused
     * login is the only sign, and the keeper answers it with a successor; the rejected lease is revoked after
     * the hand-off.
     */
    @Test
    void aRoleTheDatabaseEndsWhileScaiVaultStillHoldsTheLeaseIsReplacedOnTheRefusedLogin() throws Exception {
        List<String> bridged = new CopyOnWriteArrayList<>();
        try (SecretSource<Credentials> source = leaseSource();
                HikariDataSource ds = pg.lazyPool(PoolKind.DATA_SOURCE, "ended-by-database");
                var binding = bindRecordingBridges(ds, source, bridged)) {
            LeakCheck.secret(source.current().password());
            String first = query(ds);
            awaitFilled(ds);
            String leaseId = server.leases().stream()
                    .filter(l -> l.username().equals(first))
                    .findFirst()
                    .orElseThrow()
                    .id();

            // The database ends the role on its own; the lease stays live on ScaiVault.
            String role = '"' + first.replace("\"", "\"\"") + '"';
            pg.sql("ALTER ROLE " + role + " VALID UNTIL '2000-01-01'");
            pg.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + first + "'");
            ds.getHikariPoolMXBean().softEvictConnections();
            assertThat(server.leases()).anySatisfy(l -> assertThat(l.id()).isEqualTo(leaseId));

            String after = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> query(ds));
            LeakCheck.secret(source.current().password());
            System.out.printf(
                    "role %s ended by the database; the next request ran as %s; bridged: %s%n", first, after, bridged);
            assertBridgedOnce(first, after, source, bridged, binding);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> server.leases().stream().noneMatch(l -> l.id().equals(leaseId)));
        }
    }
}
