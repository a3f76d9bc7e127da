package dev.scaivault.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.Time;
import dev.scaivault.file.FileSource;
import dev.scaivault.hikari.Pg.PoolKind;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.pool.RotationListener;
import dev.scaivault.pool.load.RotationLoad;
import dev.scaivault.rotation.RotatingSecretSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance load (8 threads, pool size 5, each holding its connection 0-20 ms, 50 rotations, zero
 * failed queries) with the library's real credential sources instead of a test double: a kubelet volume
 * read by {@link FileCredentialSource}, dynamic leases from the dev server's PostgreSQL engine through
 * {@link LeasedCredentialSource}, and a static secret rotated on the dev server and followed by {@link
 * SecretCredentialSource} through rotation events. Every password is registered with {@link LeakCheck}.
 */
@ExtendWith(LeakCheck.class)
class RealSourcesIT {
    static final int ROTATIONS = 20;
    private static final String TOKEN = "skt_real_sources_it_7c1d0e";

    static Pg pg;
    static ScaiVaultDevServer server;
    static ScaiVault vault;

    @BeforeAll
    static void start() throws Exception {
        LeakCheck.secret(TOKEN);
        pg = new Pg(TestPostgres.start());
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "idn_real_sources_it")
                .rateLimitsEnabled(false)
                .postgresEngine(
                        "postgres", pg.server().adminDataSource(), pg.server().jdbcUrl())
                // A lease reaches its max TTL at once; the keeper replaces it early (rotateThreshold below).
                .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(8), Duration.ofSeconds(8)))
                .start();
        vault = ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.token(TOKEN))
                .maxAttempts(1)
                .callBudget(Duration.ofSeconds(2))
                .build();
        warmUp();
    }

    /**
     * A running service has JIT-compiled SCRAM and JDBC paths; without this the first scenario's baseline
     * would be the JVM warming up, not the pool.
     */
    private static void warmUp() throws Exception {
        String pw = password();
        pg.createRole("app_warm_up", pw);
        try (HikariDataSource ds = pg.lazyPool(PoolKind.JDBC_URL, "warm-up")) {
            ds.setUsername("app_warm_up");
            ds.setPassword(pw);
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 200; i++) {
                    try (Connection c = ds.getConnection();
                            Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT 1")) {
                        rs.next();
                    }
                }
                ds.getHikariPoolMXBean().softEvictConnections();
            }
        }
    }

    @AfterAll
    static void stop() {
        vault.close();
        server.close();
        pg.server().close();
    }

    static String password() {
        String p = Pg.newPassword();
        LeakCheck.secret(p);
        return p;
    }

    /**
     * (a) A Secret volume updated by kubelet's atomic writer. Each rotation changes the password in
     * PostgreSQL first (ALTER ROLE) and swaps the volume up to 500 ms later, as kubelet lags behind the
     * rotation job; a connection the pool opens in between is refused and bridged (refresh, wait, retry).
     */
    @Test
    void kubeletVolumeUpdatedAfterTheDatabase(@TempDir Path dir) throws Exception {
        String role = "app_volume";
        String first = password();
        pg.createRole(role, first);
        KubeletVolume volume = KubeletVolume.at(dir.resolve("db")).order(KubeletVolume.Order.CURRENT);
        volume.writeStrings(Map.of("username", role, "password", first));
        var load = RotationLoad.builder()
                .pool("hikari", HikariVersion.onClassPath())
                .rotations(ROTATIONS)
                .build();
        try (SecretSource<Credentials> source =
                        FileSource.builder(volume.dir()).build().map(Credentials.fromKeys());
                HikariDataSource ds = pg.lazyPool(PoolKind.JDBC_URL, "real-volume");
                var binding = HikariCredentialBinding.builder(ds, source)
                        .listener(load.listener())
                        .bind()) {
            var report = load.run("real-sources/kubelet-volume/" + binding.mechanism(), ds, i -> {
                        String next = password();
                        pg.alterPassword(role, next);
                        TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(501));
                        volume.writeStrings(Map.of("username", role, "password", next));
                    })
                    .print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(binding.metrics().rotations()).isEqualTo(ROTATIONS);
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isZero();
        }
    }

    /**
     * (b) Dynamic leases with short TTLs (8 s, max 8 s, successor at 30 % of its life): a new role per lease,
     * and as soon as the binding hands a lease off, the keeper revokes it, which terminates the role's
     * sessions and drops it. Not one lease may run out instead (its expiry would cut connections the pool
     * still uses), and no role but the one in force may remain.
     */
    @Test
    void dynamicLeasesRevokedRightAfterHandOff() throws Exception {
        var load = RotationLoad.builder()
                .pool("hikari", HikariVersion.onClassPath())
                .rotations(ROTATIONS)
                .build();
        AtomicInteger changes = new AtomicInteger();
        Set<String> users = ConcurrentHashMap.newKeySet();
        Set<String> received = ConcurrentHashMap.newKeySet();
        int revokedBefore = server.revokedLeaseIds().size();
        try (SecretSource<Credentials> source = LeaseSource.builder(vault, "postgres", "app")
                        .rotateThreshold(0.7)
                        .closeTimeout(Duration.ofSeconds(5))
                        .build();
                var secrets = source.subscribe(change -> {
                    LeakCheck.secret(change.current().password());
                    users.add(change.current().username());
                    received.add(change.current().origin().substring("lease ".length()));
                    changes.incrementAndGet();
                });
                HikariDataSource ds = pg.lazyPool(PoolKind.DATA_SOURCE, "real-lease");
                var binding = HikariCredentialBinding.builder(ds, source)
                        .listener(load.listener())
                        .bind()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() >= 1);
            // The keeper rotates on its own; each "rotation" is waiting for its next lease.
            var report = load.run("real-sources/dynamic-lease/" + binding.mechanism(), ds, i -> await().atMost(
                                    Duration.ofSeconds(10))
                            .pollInterval(Duration.ofMillis(5))
                            .until(() -> changes.get() >= i + 2))
                    .print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> server.revokedLeaseIds().size() - revokedBefore >= ROTATIONS);
            // Only leases the client received: a generate call that timed out on a busy machine may still have
            // created one on the server, which nobody can revoke without its id and which no connection uses.
            assertThat(server.expiredLeaseIds())
                    .as("leases that ran out instead of being revoked after their hand-off")
                    .doesNotContainAnyElementsOf(received);
            String inForce = source.current().username();
            await().atMost(Duration.ofSeconds(5)).until(() -> rolesLeft(users, inForce) == 0);
        }
    }

    /**
     * (c) A static secret rotated on the server, followed through rotation events. A rotation policy keeps
     * the previous version readable for a grace period, but that only helps if the database still accepts
     * the previous password; PostgreSQL holds one password per role, so the realistic rotation alternates
     * roles: create the new role with its password first, write version N+1 (the server emits {@code
     * secret.rotated}), and drop the previous role (ending its sessions) once the pool has handed it off.
     */
    @Test
    void staticSecretRotatedOnTheServerNewRoleFirstOldDroppedAfterHandOff() throws Exception {
        String path = "apps/real-sources/db";
        String prefix = "app_static_";
        String firstPassword = password();
        pg.createRole(prefix + 0, firstPassword);
        server.putSecret(path, Map.of("username", prefix + 0, "password", firstPassword));
        ConcurrentLinkedQueue<String> toDrop = new ConcurrentLinkedQueue<>();
        toDrop.add(prefix + 0);
        ConcurrentLinkedQueue<String> dropFailures = new ConcurrentLinkedQueue<>();
        AtomicInteger dropped = new AtomicInteger();
        ExecutorService dropper = Executors.newSingleThreadExecutor(Time.daemons("scaivault-test-drop"));
        var load = RotationLoad.builder()
                .pool("hikari", HikariVersion.onClassPath())
                .rotations(ROTATIONS)
                .build();
        RotationListener measured = load.listener();
        RotationListener dropAfterHandOff = new RotationListener() {
            @Override
            public void onNewCredentialsInUse(String origin, Duration sinceSourceChange) {
                measured.onNewCredentialsInUse(origin, sinceSourceChange);
            }

            @Override
            public void onHandOff(String previousOrigin, Duration drainTime, boolean timedOut) {
                // Hand-offs come in rotation order; the oldest role still present is the one let go of.
                String role = toDrop.poll();
                dropper.execute(() -> {
                    try {
                        pg.terminateAndDrop(role);
                        dropped.incrementAndGet();
                    } catch (Exception e) {
                        dropFailures.add(role + ": " + e.getMessage());
                    }
                    measured.onHandOff(previousOrigin, drainTime, timedOut);
                });
            }

            @Override
            public void onAuthFailureBridged(String failure, boolean recovered) {
                measured.onAuthFailureBridged(failure, recovered);
            }
        };
        // The periodic re-read is 5 minutes away: every version this run sees arrives by event.
        try (SecretSource<Credentials> source = RotatingSecretSource.builder(vault, path)
                        .minPollInterval(Duration.ZERO)
                        .pollTimeout(Duration.ofSeconds(5))
                        .build()
                        .map(Credentials.fromKeys());
                HikariDataSource ds = pg.lazyPool(PoolKind.JDBC_URL, "real-static");
                var binding = HikariCredentialBinding.builder(ds, source)
                        .listener(dropAfterHandOff)
                        .bind()) {
            var report = load.run("real-sources/static-secret/" + binding.mechanism(), ds, i -> {
                        String role = prefix + (i + 1);
                        String pw = password();
                        pg.createRole(role, pw);
                        toDrop.add(role);
                        server.rotateSecret(path, Map.of("username", role, "password", pw));
                    })
                    .print();

            assertThat(report.failedQueries()).as(report.toString()).isZero();
            assertThat(report.handOffTimeouts()).isZero();
            assertThat(dropFailures).isEmpty();
            assertThat(dropped.get()).isEqualTo(ROTATIONS);
            assertThat(binding.metrics().rotations()).isEqualTo(ROTATIONS);
        } finally {
            dropper.shutdown();
        }
    }

    private static int rolesLeft(Set<String> users, String except) throws Exception {
        int n = 0;
        try (Connection c = pg.server().admin();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT rolname FROM pg_roles")) {
            while (rs.next()) {
                String r = rs.getString(1);
                if (!r.equals(except) && users.contains(r)) {
                    n++;
                }
            }
        }
        return n;
    }
}
