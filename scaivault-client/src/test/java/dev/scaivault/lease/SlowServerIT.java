package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.Time;
import dev.scaivault.source.Credentials;
import dev.scaivault.testkit.Fault;
import dev.scaivault.testkit.RecordedRequest;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that hangs on some calls must not starve the rest: lease keepers of other roles on the same
 * shared scheduler thread keep renewing on time, {@code current()} never waits, and no thread is left behind
 * per slow call. Real time, 3-second leases, the JVM-wide {@link dev.scaivault.Time#system()}.
 */
class SlowServerIT {
    private static final String TOKEN = "skt_slow_server_it_token_8a2f";

    @TempDir
    Path tmp;

    private ScaiVaultDevServer server;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() {
        LeakCheck.secret(TOKEN);
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "idn_slow_it")
                .rateLimitsEnabled(false)
                .issuedTokenLifetime(Duration.ofSeconds(2))
                .inMemoryEngine("mem")
                .dynamicRole("mem", "slow", RoleConfig.of(Duration.ofSeconds(3), Duration.ofHours(1)))
                .dynamicRole("mem", "fast", RoleConfig.of(Duration.ofSeconds(3), Duration.ofHours(1)))
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        server.close();
    }

    private <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    private ScaiVault client(Auth auth) {
        return keep(ScaiVault.builder()
                .url(server.baseUrl())
                .auth(auth)
                .maxAttempts(1)
                .readTimeout(Duration.ofMillis(800))
                .callBudget(Duration.ofSeconds(1))
                .build());
    }

    private List<RecordedRequest> renewals(String leaseId) {
        return server.requests().stream()
                .filter(r -> r.path().equals("/v1/dynamic/leases/" + leaseId + "/renew"))
                .toList();
    }

    private static Set<Thread> scaivaultThreads() {
        return Set.copyOf(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("scaivault-"))
                // The dev server's own threads are not the client's.
                .filter(t -> !t.getName().startsWith("scaivault-devserver-"))
                .toList());
    }

    private static long leaseIoThreads() {
        return scaivaultThreads().stream()
                .filter(t -> t.getName().startsWith("scaivault-lease-io-"))
                .count();
    }

    @Test
    void aRoleWhoseRenewalsHangDoesNotStarveTheOtherRoleOnTheSharedScheduler() {
        Set<Thread> before = scaivaultThreads();
        ScaiVault vault = client(Auth.token(TOKEN));
        LeaseKeeper slow =
                keep((LeaseKeeper) LeaseSource.builder(vault, "mem", "slow").build());
        LeaseKeeper fast =
                keep((LeaseKeeper) LeaseSource.builder(vault, "mem", "fast").build());
        String slowLease = slow.currentLeaseId().orElseThrow();
        String fastLease = fast.currentLeaseId().orElseThrow();
        LeakCheck.secret(slow.current().password(), fast.current().password());

        // Every renewal of the slow role's lease hangs past the read timeout and the call budget.
        server.faults().latency("POST /v1/dynamic/leases/" + slowLease + "/renew", Duration.ofSeconds(10));
        Instant end = Instant.now().plusSeconds(5);
        long worstCurrentNanos = 0;
        List<String> problems = new ArrayList<>();
        while (Instant.now().isBefore(end)) {
            long next = System.nanoTime() + Duration.ofMillis(20).toNanos();
            long t0 = System.nanoTime();
            Credentials a = assertTimeoutPreemptively(Duration.ofMillis(500), slow::current);
            Credentials b = assertTimeoutPreemptively(Duration.ofMillis(500), fast::current);
            worstCurrentNanos = Math.max(worstCurrentNanos, System.nanoTime() - t0);
            Instant now = Instant.now();
            if (a == null || b == null || !fast.status().usableAt(now)) {
                problems.add(now + " fast " + fast.status());
            }
            LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
        List<Instant> fastRenewals = renewals(fastLease).stream()
                .filter(r -> r.status() == 200)
                .map(RecordedRequest::at)
                .toList();
        Duration worstGap = Duration.ZERO;
        for (int i = 1; i < fastRenewals.size(); i++) {
            Duration gap = Duration.between(fastRenewals.get(i - 1), fastRenewals.get(i));
            worstGap = gap.compareTo(worstGap) > 0 ? gap : worstGap;
        }
        System.out.printf(
                "slow renewals for 5 s: fast role renewed %d times (longest gap %d ms, lease 3 s), worst current()"
                        + " of both %d us, %d slow renewal attempts, slow role now on %s%n",
                fastRenewals.size(),
                worstGap.toMillis(),
                worstCurrentNanos / 1000,
                renewals(slowLease).size(),
                slow.currentLeaseId().orElse("-"));
        assertThat(problems).isEmpty();
        // A 3 s lease is renewed at about 2/3 of its remaining life: every ~2 s, each well before the expiry.
        assertThat(fastRenewals).hasSizeGreaterThanOrEqualTo(2);
        assertThat(worstGap).isLessThan(Duration.ofMillis(2700));
        assertThat(fast.currentLeaseId()).contains(fastLease);
        assertThat(server.expiredLeaseIds()).doesNotContain(fastLease);
        assertThat(renewals(slowLease)).isNotEmpty();

        // Once the slow calls have ended, their threads go back to the pool and idle ones die: none piles up.
        server.faults().clear();
        await().atMost(Duration.ofSeconds(15)).until(() -> leaseIoThreads() <= 2);
        slow.close();
        fast.close();
        vault.close();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(scaivaultThreads())
                .filteredOn(t -> !before.contains(t) && !t.getName().equals("scaivault-scheduler-1"))
                .isEmpty());
    }

    @Test
    void aTokenRefreshThatHangsDoesNotHoldTheSharedSchedulerThread() throws Exception {
        Path f = tmp.resolve("token");
        String jwt = server.mintSubjectToken("system:serviceaccount:prod:billing", Duration.ofHours(1));
        LeakCheck.secret(jwt);
        Files.writeString(f, jwt);
        // A 2 s token: usable for 1 s, refreshed in the background at 0.8 s; a budget that lets the exchange hang.
        ScaiVault vault = keep(ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.kubernetes(f))
                .readTimeout(Duration.ofSeconds(5))
                .callBudget(Duration.ofSeconds(5))
                .build());
        vault.whoami();
        server.faults().enqueue("POST /v1/auth/exchange", Fault.delay(Duration.ofSeconds(3)));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> server.requests().stream()
                                .filter(r -> r.path().equals("/v1/auth/exchange"))
                                .count()
                        == 2);
        // The background exchange is hanging now; the scheduler thread every lease of the JVM shares is free.
        CountDownLatch ran = new CountDownLatch(1);
        Time.system().scheduler().execute(ran::countDown);
        assertThat(ran.await(1, TimeUnit.SECONDS))
                .as("a task on the shared scheduler ran while the exchange hung")
                .isTrue();
    }
}
