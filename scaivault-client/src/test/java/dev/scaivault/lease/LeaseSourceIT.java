package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.ScaiVault;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.HandOff;
import dev.scaivault.source.SecretChange;
import dev.scaivault.source.SecretListener;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lease keeper against the testkit's dev server over loopback HTTP, with real PostgreSQL roles behind
 * each lease (TTL 4 s, max TTL 12 s), on real time and the shared scheduler thread.
 */
class LeaseSourceIT {
    private static final String TOKEN = "skt_lease_it_token_5f1e9a";
    private static final Duration TICK = Duration.ofMillis(100);

    private static TestPostgres pg;

    private ScaiVaultDevServer server;
    private ScaiVault vault;
    private LeaseKeeper source;
    private Pool pool;
    private final LeaseKeeperTest.RecordingEvents events = new LeaseKeeperTest.RecordingEvents();

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @BeforeEach
    void start() {
        LeakCheck.secret(TOKEN);
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "idn_lease_it")
                .rateLimitsEnabled(false)
                .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(4), Duration.ofSeconds(12)))
                .postgresRole("postgres", "long", RoleConfig.of(Duration.ofHours(1), Duration.ofHours(24)))
                .postgresRole("postgres", "outage", RoleConfig.of(Duration.ofSeconds(10), Duration.ofSeconds(30)))
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofSeconds(4), Duration.ofSeconds(12)))
                .start();
        vault = TestClients.singleAttempt(server, TOKEN);
        source = (LeaseKeeper) LeaseSource.builder(vault, "postgres", "app")
                .closeTimeout(Duration.ofSeconds(5))
                .listener(events)
                .build();
        pool = new Pool();
        source.subscribe(pool);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.inUse() != null);
        // A running service has warm connections and JIT-compiled SCRAM; so does this one before measuring.
        assertThat(pool.connectOnce()).isTrue();
    }

    @AfterEach
    void stop() {
        source.close();
        vault.close();
        server.close();
    }

    @Test
    void ttl4sMaxTtl12sKeptAliveFor30sWithAFreshConnectionEvery100ms() throws Exception {
        Instant end = Instant.now().plusSeconds(30);
        int connections = 0;
        List<String> lateDrops = new ArrayList<>();
        while (Instant.now().isBefore(end)) {
            long next = System.nanoTime() + TICK.toNanos();
            pool.connectOnce();
            connections++;
            // Every role handed off more than a second ago must be gone from pg_roles.
            for (Map.Entry<String, Instant> e : pool.handedOff.entrySet()) {
                if (e.getValue().isBefore(Instant.now().minusSeconds(1)) && roleExists(e.getKey())) {
                    lateDrops.add(e.getKey());
                }
            }
            LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
        System.out.printf(
                "TTL 4 s / max 12 s over 30 s real time: %d connections, %d failed, %d leases, %d hand-offs%n",
                connections, pool.failures.size(), pool.usernames.size(), pool.handedOff.size());
        assertThat(pool.failures).isEmpty();
        // How many logins fit in 30 s is the machine's business (about 300 when idle, under 200 when busy);
        // what matters is that every lease served many of them. Max TTL 12 s: the third lease comes before 30 s.
        assertThat(pool.usernames.size()).isBetween(3, 6);
        assertThat(connections).isGreaterThan(10 * pool.usernames.size());
        assertThat(pool.handedOff).hasSizeGreaterThanOrEqualTo(pool.usernames.size() - 2);
        assertThat(lateDrops)
                .as("roles still present a second after their hand-off")
                .isEmpty();

        source.close();
        for (String user : pool.usernames) {
            assertThat(roleExists(user)).as("role %s after close", user).isFalse();
        }
    }

    @Test
    void anOutageShorterThanTheRemainingLifeLosesNoLease() throws Exception {
        // A 10 s lease: its renewal falls due about 7 s in, with about 3 s of life left. The outage lasts until the
        // keeper has met it, and ends at the latest 2 s before the lease would: a fixed 3 s outage after a 4 s
        // lease's renewal missed the keeper's next call on a busy machine, where that call came late.
        try (LeaseKeeper keeper = (LeaseKeeper) LeaseSource.builder(vault, "postgres", "outage")
                .closeTimeout(Duration.ofSeconds(5))
                .build()) {
            Pool outagePool = new Pool();
            keeper.subscribe(outagePool);
            await().atMost(Duration.ofSeconds(5)).until(() -> outagePool.inUse() != null);
            String leaseBefore = keeper.currentLeaseId().orElseThrow();
            Instant latest = keeper.status().validUntil().orElseThrow().minusSeconds(2);
            server.refuseConnections(true);
            boolean errorSeen = false;
            while (!errorSeen && Instant.now().isBefore(latest)) {
                long next = System.nanoTime() + TICK.toNanos();
                outagePool.connectOnce();
                errorSeen = keeper.status().lastError().isPresent();
                LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            }
            server.refuseConnections(false);
            await().atMost(Duration.ofSeconds(5)).pollInterval(TICK).until(() -> {
                outagePool.connectOnce();
                return keeper.status().lastError().isEmpty();
            });
            System.out.printf(
                    "outage: lease before %s, now %s, error seen during outage %s%n",
                    leaseBefore, keeper.currentLeaseId().orElseThrow(), errorSeen);
            assertThat(errorSeen).as("the keeper met the outage").isTrue();
            assertThat(outagePool.failures).isEmpty();
            assertThat(server.expiredLeaseIds()).doesNotContain(leaseBefore);
        }
    }

    @Test
    void anOutageLongerThanTheRemainingLifeEndsWithASuccessorAsSoonAsTheServerIsBack() throws Exception {
        String leaseBefore = source.currentLeaseId().orElseThrow();
        server.refuseConnections(true);
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> server.expiredLeaseIds().contains(leaseBefore));
        await().atMost(Duration.ofSeconds(2)).until(() -> events.kinds().contains("expired " + leaseBefore));
        assertThat(source.status().lastError()).hasValueSatisfying(e -> assertThat(e)
                .contains(leaseBefore)
                .contains("unreachable")
                .doesNotContain(pool.inUse().password()));
        assertThat(source.status().usableAt(Instant.now())).isFalse();
        Instant back = Instant.now();
        server.refuseConnections(false);
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> !source.currentLeaseId().orElseThrow().equals(leaseBefore));
        Duration gap = Duration.between(back, Instant.now());
        System.out.printf(
                "outage past expiry: successor %s %d ms after the server was back%n",
                source.currentLeaseId().orElseThrow(), gap.toMillis());
        assertThat(gap).isLessThan(Duration.ofSeconds(2));
        pool.failures.clear();
        await().atMost(Duration.ofSeconds(2)).until(() -> {
            pool.connectOnce();
            return pool.failures.isEmpty();
        });
        assertThat(source.status().lastError()).isEmpty();
    }

    @Test
    void aLeaseRevokedOutOfBandIsReplacedWithinOneSecond() throws Exception {
        // An hour-long lease, so no scheduled rotation can pass for the replacement.
        LeaseKeeperTest.RecordingEvents longEvents = new LeaseKeeperTest.RecordingEvents();
        try (LeaseKeeper longLived = (LeaseKeeper) LeaseSource.builder(vault, "postgres", "long")
                .listener(longEvents)
                .build()) {
            Pool longPool = new Pool();
            longLived.subscribe(longPool);
            await().atMost(Duration.ofSeconds(5)).until(() -> longPool.inUse() != null);
            assertThat(longPool.connectOnce()).isTrue();
            String revoked = longLived.currentLeaseId().orElseThrow();
            String oldUser = longPool.inUse().username();
            Instant t0 = Instant.now();
            server.revokeLease(revoked);
            // The pool sees the failed login and asks the source to re-check, as the Hikari binding does.
            Instant replacedAt = null;
            while (replacedAt == null && Duration.between(t0, Instant.now()).compareTo(Duration.ofSeconds(3)) < 0) {
                long next = System.nanoTime() + Duration.ofMillis(20).toNanos();
                if (!longPool.connectOnce()) {
                    longLived.refreshNow().get(3, TimeUnit.SECONDS);
                } else if (!longPool.inUse().username().equals(oldUser)) {
                    replacedAt = Instant.now();
                }
                LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            }
            assertThat(replacedAt).as("replaced").isNotNull();
            Duration took = Duration.between(t0, replacedAt);
            System.out.printf("out-of-band revocation of a 1 h lease replaced in %d ms%n", took.toMillis());
            assertThat(took).isLessThan(Duration.ofSeconds(1));
            assertThat(longPool.failures).hasSize(1);
            assertThat(longEvents.kinds())
                    .containsExactly(
                            "created " + revoked,
                            "created " + longLived.currentLeaseId().orElseThrow(),
                            "rotated " + revoked + ">"
                                    + longLived.currentLeaseId().orElseThrow());
            assertThat(roleExists(oldUser)).isFalse();
        }
    }

    @Test
    void closeRevokesEveryLeaseAndTheirRolesAreGone() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> pool.usernames.size() >= 3);
        List<String> users = List.copyOf(pool.usernames);
        source.close();
        for (String user : users) {
            assertThat(roleExists(user)).as("role %s after close", user).isFalse();
        }
        assertThat(server.leases()).isEmpty();
    }

    @Test
    void fiftySourcesShareTheSchedulerThreadAndAllStayValid() {
        List<LeaseKeeper> many = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                many.add((LeaseKeeper) LeaseSource.builder(vault, "mem", "app").build());
            }
            Instant end = Instant.now().plusSeconds(20);
            int checks = 0;
            List<String> problems = new ArrayList<>();
            List<String> stalls = new ArrayList<>();
            Instant lastTick = Instant.now();
            Instant catchingUpUntil = Instant.MIN;
            while (Instant.now().isBefore(end)) {
                long next = System.nanoTime() + TICK.toNanos();
                Instant now = Instant.now();
                // A tick a second late means the whole process stood still (a loaded run saw 8.5 s without a
                // tick or a log line): no keeper renews while its process is stopped, so each gets a second to
                // catch up. A keeper stuck on its own while this loop runs is still caught.
                if (Duration.between(lastTick, now).compareTo(Duration.ofSeconds(1)) > 0) {
                    stalls.add(lastTick + " to " + now);
                    catchingUpUntil = now.plusSeconds(1);
                }
                lastTick = now;
                if (now.isAfter(catchingUpUntil)) {
                    for (LeaseKeeper s : many) {
                        if (!s.status().usableAt(now)) {
                            problems.add(now + " " + s.currentLeaseId().orElse("-") + " " + s.status());
                        }
                    }
                    checks++;
                }
                LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            }
            long leases = server.requests().stream()
                    .filter(r -> r.path().startsWith("/v1/dynamic/engines/mem/"))
                    .count();
            System.out.printf(
                    "50 sources for 20 s on one scheduler thread: %d checks, %d problems, %d leases generated,"
                            + " process stalls %s%n",
                    checks, problems.size(), leases, stalls);
            assertThat(problems).isEmpty();
            assertThat(leases).isGreaterThan(50 * 2);
        } finally {
            many.forEach(LeaseKeeper::close);
        }
        assertThat(server.leases()).allSatisfy(l -> assertThat(l.engine()).isNotEqualTo("mem"));
        assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(t -> t.getName().startsWith("scaivault-"))
                .allSatisfy(t -> assertThat(t.isDaemon()).as(t.getName()).isTrue());
    }

    private static boolean roleExists(String user) throws SQLException {
        try (Connection c = pg.admin();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    /**
     * Behaves like a pool: takes new credentials on a change, and hands the previous ones off only after its
     * last connection with them has finished.
     */
    private final class Pool implements SecretListener<Credentials> {
        private volatile Credentials latest;
        private Credentials inUse;
        private final ConcurrentLinkedQueue<Object[]> pending = new ConcurrentLinkedQueue<>();
        final List<String> usernames = new CopyOnWriteArrayList<>();
        final Map<String, Instant> handedOff = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();

        @Override
        public void onChange(SecretChange<? extends Credentials> change) {
            Credentials c = change.current();
            LeakCheck.secret(c.password());
            usernames.add(c.username());
            if (change.previous() != null) {
                HandOff h = change.deferHandOff();
                pending.add(new Object[] {change.previous(), h});
            }
            latest = c;
        }

        synchronized Credentials inUse() {
            return inUse != null ? inUse : latest;
        }

        /** Opens a fresh connection with the newest credentials; false if it failed. */
        synchronized boolean connectOnce() {
            inUse = latest;
            boolean ok;
            try (Connection c = pg.connect(inUse.username(), inUse.password());
                    Statement st = c.createStatement()) {
                st.execute("SELECT 1");
                ok = true;
            } catch (SQLException e) {
                failures.add(Instant.now() + " " + inUse.origin() + " " + e.getSQLState());
                ok = false;
            }
            for (Object[] p : pending) {
                Credentials previous = (Credentials) p[0];
                if (previous != inUse) {
                    pending.remove(p);
                    handedOff.put(previous.username(), Instant.now());
                    ((HandOff) p[1]).complete();
                }
            }
            return ok;
        }
    }
}
