package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.Lease;
import dev.scaivault.RateLimitedException;
import dev.scaivault.ScaiVaultApiException;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Time;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.HandOff;
import dev.scaivault.source.SecretChange;
import dev.scaivault.source.SecretListener;
import dev.scaivault.testkit.ManualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {
    private static final Duration HOUR = Duration.ofHours(1);

    private final ManualTime scheduler = new ManualTime();
    private final FakeDynamicSecrets fake = new FakeDynamicSecrets(scheduler);
    private final RecordingEvents events = new RecordingEvents();
    private final List<LeaseKeeper> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(LeaseKeeper::close);
    }

    private LeaseSource.Builder builder() {
        return LeaseSource.builder(fake, Time.of(scheduler, scheduler), "postgres", "app")
                .listener(events)
                .random(new Random(42));
    }

    /**
     * A keeper on one-hour leases (80 minutes at most) whose first lease was succeeded 50 minutes in, with
     * {@code pool} still holding on to it.
     */
    private LeaseKeeper rotatedOnceWithoutHandOff(DeferringConsumer pool) {
        fake.ttl(HOUR, Duration.ofMinutes(80));
        LeaseKeeper s = build(builder());
        s.subscribe(pool);
        scheduler.advance(Duration.ofMinutes(50));
        settle(() -> pool.changes() == 1);
        return s;
    }

    private LeaseKeeper build(LeaseSource.Builder b) {
        LeaseKeeper s = (LeaseKeeper) b.build();
        open.add(s);
        return s;
    }

    static String leaseIdOf(Credentials c) {
        assertThat(c.origin()).startsWith("lease ");
        return c.origin().substring("lease ".length());
    }

    /** Waits (real time, bounded) until the dispatch thread has done what virtual time asked of it. */
    private static void settle(BooleanSupplier quiet) {
        await().pollInSameThread()
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1))
                .atMost(Duration.ofSeconds(10))
                .until(quiet::getAsBoolean);
    }

    private static void settle(LeaseKeeper s) {
        settle(() -> s.handOffsPending() == 0);
    }

    /** Advances virtual time in steps, letting hand-offs land between steps. */
    private void run(LeaseKeeper s, Duration total, Duration step, Runnable eachStep) {
        Instant end = scheduler.now().plus(total);
        while (scheduler.now().isBefore(end)) {
            scheduler.advance(step);
            settle(s);
            eachStep.run();
        }
    }

    private final Instant t0 = scheduler.now();

    private Instant start() {
        return t0;
    }

    // ------------------------------------------------------------------ startup

    @Test
    void buildAcquiresTheFirstLeaseSynchronouslyAndPublishesIt() {
        LeaseKeeper s = build(builder());
        Credentials c = s.current();
        assertThat(c.username()).isEqualTo("v-app-1");
        assertThat(c.password()).isEqualTo(FakeDynamicSecrets.passwordOf(1));
        assertThat(c.origin()).isEqualTo("lease lease_1");
        assertThat(c.expiresAt()).contains(start().plus(HOUR));
        assertThat(s.name()).isEqualTo("lease:postgres/app");
        assertThat(s.status().hasValue()).isTrue();
        assertThat(s.status().validUntil()).contains(start().plus(HOUR));
        assertThat(events.kinds()).containsExactly("created lease_1");
    }

    @Test
    void ttlIsAskedAtGenerate() {
        fake.ttl(HOUR, Duration.ofHours(2));
        LeaseKeeper s = build(builder().ttl(Duration.ofMinutes(10)));
        assertThat(s.status().validUntil()).contains(start().plus(Duration.ofMinutes(10)));
    }

    @Test
    void buildFailsClosedNamingEngineRoleCodeAndRequestId() {
        fake.failGenerate(new ScaiVaultApiException(
                "identity may not generate for this role", 403, "access_denied", "req_7f3", null));
        assertThatThrownBy(() -> builder().build())
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("engine 'postgres'")
                .hasMessageContaining("role 'app'")
                .hasMessageContaining("403 access_denied")
                .hasMessageContaining("req_7f3");
    }

    @Test
    void startWithoutValueKeepsTryingInTheBackground() {
        fake.down(true);
        LeaseKeeper s = build(builder().startWithoutValue().ttl(Duration.ofSeconds(4)));
        assertThat(s.status().hasValue()).isFalse();
        assertThat(s.status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("unreachable"));
        assertThatThrownBy(s::current).isInstanceOf(SecretUnavailableException.class);
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(fake.calls("generate").size()).isGreaterThan(3);
        fake.down(false);
        scheduler.advance(LeaseSchedule.maxBackoff(Duration.ofSeconds(4)));
        assertThat(s.current().origin()).isEqualTo("lease lease_1");
        assertThat(s.status().lastError()).isEmpty();
    }

    /**
     * A fleet waiting on one identity's empty bucket: without a lease, each 429 doubles the back-off up to the
     * 30 s after-expiry cap (not the 15 s cap of an unknown lease scale), and never goes under Retry-After.
     */
    @Test
    void rateLimitedWithoutALeaseBacksOffUpToTheAfterExpiryCap() {
        fake.failGenerate(new RateLimitedException(
                "generate credentials for postgres/app: HTTP 429 rate_limited",
                429,
                "rate_limited",
                "req_429",
                Duration.ofSeconds(1)));
        // Always the top of the jitter range: the waits are the ceilings themselves.
        RandomGenerator top = () -> -1L;
        LeaseKeeper s = build(builder().startWithoutValue().random(top));
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Instant due = scheduler.nextDue();
            waits.add(Duration.between(scheduler.now(), due));
            scheduler.advance(Duration.between(scheduler.now(), due));
        }
        assertThat(waits).allSatisfy(w -> assertThat(w).isGreaterThanOrEqualTo(Duration.ofSeconds(1)));
        assertThat(waits.get(waits.size() - 1))
                .isGreaterThan(LeaseSchedule.maxBackoff(Duration.ofMinutes(1)))
                .isLessThanOrEqualTo(LeaseSchedule.AFTER_EXPIRY_CAP);
        assertThat(fake.calls("generate")).hasSize(9);
        assertThat(s.status().hasValue()).isFalse();
    }

    @Test
    void invalidSettingsAreNamed() {
        assertThatThrownBy(() -> builder().rotateThreshold(1.0)).hasMessageContaining("rotateThreshold");
        assertThatThrownBy(() -> builder().ttl(Duration.ZERO)).hasMessageContaining("ttl");
        assertThatThrownBy(() -> builder().closeTimeout(Duration.ofSeconds(-1))).hasMessageContaining("closeTimeout");
        assertThatThrownBy(() -> LeaseSource.builder(fake, Time.of(scheduler, scheduler), " ", "app"))
                .hasMessageContaining("engine");
    }

    @Test
    void aLeaseWithoutCredentialsIsRevokedAndNamed() {
        FakeDynamicSecrets.Entry[] holder = new FakeDynamicSecrets.Entry[1];
        var api = new ForwardingDynamicSecrets(fake) {
            @Override
            public Lease generate(String engine, String role, Duration ttl) {
                Lease l = super.generate(engine, role, ttl);
                holder[0] = fake.lease(l.id());
                return l.toBuilder().data(Map.of("user", "x")).build();
            }
        };
        assertThatThrownBy(() -> LeaseSource.builder(api, Time.of(scheduler, scheduler), "postgres", "app")
                        .build())
                .hasMessageContaining("lease_1")
                .hasMessageContaining("no username and password")
                .hasMessageContaining("[user]");
        assertThat(holder[0].revokedAt).isNotNull();
    }

    // ------------------------------------------------------------------ schedule

    @Test
    void firstRenewalAtTwoThirdsOfRemainingPlusAThirdOfGrace() {
        LeaseKeeper s = build(builder());
        scheduler.advance(Duration.ofMinutes(50));
        Instant first = fake.calls("renew").get(0).at();
        Duration after = Duration.between(start(), first);
        // 2/3 * 3600 s + [360, 720) s / 3
        assertThat(after).isBetween(Duration.ofSeconds(2400 + 120), Duration.ofSeconds(2400 + 240));
        assertThat(s.status().validUntil()).contains(first.plus(HOUR));
        assertThat(s.current().origin()).isEqualTo("lease lease_1");
        assertThat(events.kinds()).contains("renewed lease_1");
    }

    @Test
    void aLeaseThatRenewsInFullIsKeptWithoutRotation() {
        fake.ttl(HOUR, Duration.ofDays(365));
        LeaseKeeper s = build(builder());
        scheduler.advance(Duration.ofHours(48));
        assertThat(fake.generated()).isEqualTo(1);
        List<FakeDynamicSecrets.Call> renews = fake.calls("renew");
        // About every 2/3 + jitter of an hour: 48 h / ~44 min.
        assertThat(renews.size()).isBetween(60, 70);
        for (int i = 1; i < renews.size(); i++) {
            Duration gap =
                    Duration.between(renews.get(i - 1).at(), renews.get(i).at());
            assertThat(gap).isBetween(Duration.ofSeconds(2520), Duration.ofSeconds(2640));
        }
        assertThat(s.current().origin()).isEqualTo("lease lease_1");
    }

    @Test
    void renewalNeverLaterThanTheRotatePoint() {
        LeaseKeeper s = build(builder().rotateThreshold(0.5));
        scheduler.advance(Duration.ofMinutes(29));
        assertThat(fake.calls("renew")).isEmpty();
        assertThat(fake.generated()).isEqualTo(1);
        scheduler.advance(Duration.ofMinutes(1));
        settle(s);
        // At 50 % of the lease, before the 2/3 renewal: the successor, not a renewal.
        assertThat(fake.calls("renew")).isEmpty();
        assertThat(fake.generated()).isEqualTo(2);
        assertThat(fake.calls("generate").get(1).at()).isEqualTo(start().plus(Duration.ofMinutes(30)));
        assertThat(s.current().origin()).isEqualTo("lease lease_2");
    }

    @Test
    void thousandLeasesIssuedAtTheSameInstantSpreadTheirRenewals() {
        Random shared = new Random(20261201);
        List<LeaseKeeper> sources = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            sources.add(build(LeaseSource.builder(fake, Time.of(scheduler, scheduler), "postgres", "app")
                    .random(shared)));
        }
        scheduler.advance(Duration.ofMinutes(50));
        Map<String, Instant> firstRenewal = new HashMap<>();
        for (FakeDynamicSecrets.Call c : fake.calls("renew")) {
            firstRenewal.putIfAbsent(c.leaseId(), c.at());
        }
        assertThat(firstRenewal).hasSize(1000);
        long[] seconds = firstRenewal.values().stream()
                .mapToLong(t -> Duration.between(start(), t).toMillis())
                .sorted()
                .toArray();
        Map<Long, Integer> histogram = new java.util.TreeMap<>();
        for (long ms : seconds) {
            histogram.merge(ms / 1000, 1, Integer::sum);
        }
        int maxBucket =
                histogram.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        // Sliding window: the most renewals in any [t, t + 1 s).
        int maxSliding = 0;
        for (int lo = 0, hi = 0; lo < seconds.length; lo++) {
            while (hi < seconds.length && seconds[hi] < seconds[lo] + 1000) {
                hi++;
            }
            maxSliding = Math.max(maxSliding, hi - lo);
        }
        System.out.printf(
                "1000 leases of 1 h issued at t0: first renewals from %.1f s to %.1f s, %d one-second buckets, "
                        + "busiest bucket %d, busiest sliding 1 s window %d (Spring Vault: all 1000 at %d s)%n",
                seconds[0] / 1000.0,
                seconds[seconds.length - 1] / 1000.0,
                histogram.size(),
                maxBucket,
                maxSliding,
                HOUR.minusSeconds(60).toSeconds());
        // The schedule's jitter spans grace/3 = 3.3-6.7 % of the lease, 120 s for an hour: 8.3 renewals a
        // second on average. Aligned one-second buckets stay under 2 % (a 1.2 % chance per random seed to
        // reach 21); a sliding window peaks around 19-20 (docs/leases.md has the numbers).
        assertThat(maxBucket).isLessThanOrEqualTo(20);
        assertThat(histogram.size()).isGreaterThanOrEqualTo(110);
        sources.forEach(LeaseKeeper::close);
    }

    // ------------------------------------------------------------------ rotation

    @Test
    void ttl4sMaxTtl12sKeptAliveFor60sWithHandOffBeforeEveryRevoke() {
        fake.ttl(Duration.ofSeconds(4), Duration.ofSeconds(12));
        LeaseKeeper s = build(builder());
        DeferringConsumer pool = new DeferringConsumer(Duration.ofMillis(300));
        s.subscribe(pool);
        Instant begin = start();
        Instant end = begin.plus(Duration.ofSeconds(60));
        while (scheduler.now().isBefore(end)) {
            scheduler.advance(Duration.ofMillis(20));
            settle(() -> pool.changes() == fake.generated() - 1);
            pool.completeDue(scheduler.now());
            settle(() -> s.handOffsPending() == pool.outstanding());
            Instant now = scheduler.now();
            String id = leaseIdOf(s.current());
            assertThat(fake.validAt(id, now))
                    .as("lease %s in force is valid at %s", id, now)
                    .isTrue();
        }
        List<FakeDynamicSecrets.Entry> leases = fake.leases();
        assertThat(leases.size()).isBetween(5, 8);
        Duration minLeadBeforeExpiry = null;
        for (int i = 0; i + 1 < leases.size(); i++) {
            FakeDynamicSecrets.Entry prev = leases.get(i);
            FakeDynamicSecrets.Entry succ = leases.get(i + 1);
            assertThat(prev.revokedAt).as("%s revoked", prev.id).isNotNull();
            Instant handedOff = pool.handOffAt(prev.id);
            assertThat(handedOff).as("hand-off of %s", prev.id).isNotNull();
            assertThat(prev.revokedAt)
                    .as("%s revoked after its hand-off", prev.id)
                    .isAfterOrEqualTo(handedOff);
            // The successor comes early: at least the rotate threshold (20 % of 4 s) before the expiry.
            Duration lead = Duration.between(succ.issuedAt, prev.expiresAt);
            assertThat(lead).isGreaterThanOrEqualTo(Duration.ofMillis(800));
            minLeadBeforeExpiry =
                    minLeadBeforeExpiry == null || lead.compareTo(minLeadBeforeExpiry) < 0 ? lead : minLeadBeforeExpiry;
        }
        System.out.printf(
                "TTL 4 s / max 12 s for 60 s: %d leases, %d renewals, successor at least %s before its "
                        + "predecessor's expiry, predecessors revoked after the 300 ms hand-off, longest life %s%n",
                leases.size(),
                fake.calls("renew").size(),
                minLeadBeforeExpiry,
                leases.stream()
                        .limit(leases.size() - 1)
                        .map(e -> Duration.between(e.issuedAt, e.revokedAt))
                        .max(Duration::compareTo)
                        .orElseThrow());
        s.close();
        assertThat(fake.leases()).allSatisfy(e -> assertThat(e.revokedAt).isNotNull());
    }

    @Test
    void aCappedRenewalAcquiresTheSuccessorAtOnce() {
        fake.ttl(HOUR, Duration.ofMinutes(80));
        LeaseKeeper s = build(builder());
        run(s, Duration.ofMinutes(50), Duration.ofSeconds(1), () -> {});
        // First renewal near 43 min asked for an hour, got what was left of the 80 minutes.
        List<FakeDynamicSecrets.Call> renews = fake.calls("renew");
        assertThat(renews).hasSize(1);
        assertThat(fake.generated()).isEqualTo(2);
        Instant cappedAt = renews.get(0).at();
        assertThat(fake.calls("generate").get(1).at()).isEqualTo(cappedAt);
        assertThat(s.current().origin()).isEqualTo("lease lease_2");
        // Revoked once the (listener-less) hand-off completed, within the step after the rotation.
        assertThat(fake.lease("lease_1").revokedAt).isBetween(cappedAt, cappedAt.plusSeconds(1));
        assertThat(events.kinds())
                .containsSubsequence(
                        "created lease_1",
                        "renewed lease_1",
                        "created lease_2",
                        "rotated lease_1>lease_2",
                        "revoked lease_1");
    }

    @Test
    void aCappedRenewalIsRecognisedWithoutMaxExpiresAt() {
        fake.ttl(HOUR, Duration.ofMinutes(80)).reportMax(false);
        build(builder());
        scheduler.advance(Duration.ofMinutes(50));
        assertThat(fake.calls("renew")).hasSize(1);
        assertThat(fake.generated()).isEqualTo(2);
    }

    @Test
    void theSuccessorIsAcquiredBeforeTheRenewalWhenALeaseIsBornAtItsMax() {
        fake.ttl(HOUR, HOUR);
        build(builder());
        scheduler.advance(Duration.ofMinutes(47));
        assertThat(fake.calls("renew")).isEmpty();
        assertThat(fake.generated()).isEqualTo(1);
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(fake.generated()).isEqualTo(2);
        assertThat(fake.calls("generate").get(1).at()).isEqualTo(start().plus(Duration.ofMinutes(48)));
    }

    @Test
    void aNonRenewableLeaseIsNeverRenewedAndReplacedAtTheThreshold() {
        fake.renewable(false);
        LeaseKeeper s = build(builder());
        scheduler.advance(Duration.ofMinutes(47));
        assertThat(fake.generated()).isEqualTo(1);
        scheduler.advance(Duration.ofMinutes(1));
        settle(s);
        scheduler.runDue();
        assertThat(fake.generated()).isEqualTo(2);
        assertThat(fake.calls("generate").get(1).at()).isEqualTo(start().plus(Duration.ofMinutes(48)));
        assertThat(fake.lease("lease_1").revokedAt).isNotNull();
        scheduler.advance(Duration.ofHours(5));
        assertThat(fake.calls("renew")).isEmpty();
        // One lease every 48 minutes: 0, 48, ..., 336 min.
        assertThat(fake.generated()).isEqualTo(8);
    }

    @Test
    void leaseNotRenewableFromTheServerStopsRenewalAndRotatesAtTheThreshold() {
        LeaseKeeper s = build(builder());
        fake.renewable(false);
        scheduler.advance(Duration.ofMinutes(45));
        assertThat(fake.calls("renew")).hasSize(1);
        assertThat(fake.generated()).isEqualTo(1);
        scheduler.advance(Duration.ofMinutes(3));
        settle(s);
        assertThat(fake.generated()).isEqualTo(2);
        assertThat(fake.calls("generate").get(1).at()).isEqualTo(start().plus(Duration.ofMinutes(48)));
        assertThat(fake.calls("renew")).hasSize(1);
    }

    @Test
    void theConfiguredIncrementIsAskedAtRenew() {
        LeaseKeeper s = build(builder().increment(Duration.ofMinutes(30)));
        scheduler.advance(Duration.ofMinutes(45));
        Instant renewed = fake.calls("renew").get(0).at();
        assertThat(s.status().validUntil()).contains(renewed.plus(Duration.ofMinutes(30)));
        assertThat(fake.generated()).isEqualTo(1);
    }

    @Test
    void anIncrementShorterThanTheThresholdDoesNotRotateEveryRenewal() {
        fake.ttl(HOUR, Duration.ofDays(1));
        LeaseKeeper s = build(builder().increment(Duration.ofMinutes(5)));
        scheduler.advance(Duration.ofHours(3));
        assertThat(fake.generated()).isEqualTo(1);
        assertThat(fake.calls("renew").size()).isGreaterThan(30);
        assertThat(s.current().origin()).isEqualTo("lease lease_1");
    }

    @Test
    void aPredecessorWithoutHandOffIsRevokedAtItsExpiry() {
        DeferringConsumer pool = new DeferringConsumer(Duration.ofDays(1));
        LeaseKeeper s = rotatedOnceWithoutHandOff(pool);
        FakeDynamicSecrets.Entry first = fake.lease("lease_1");
        assertThat(first.revokedAt).isNull();
        scheduler.advance(Duration.ofMinutes(30));
        assertThat(first.revokedAt).isEqualTo(first.expiresAt);
        assertThat(s.handOffsPending()).isZero();
    }

    @Test
    void maxHandOffWaitBoundsTheWaitForAHandOff() {
        fake.ttl(HOUR, Duration.ofMinutes(80));
        LeaseKeeper s = build(builder().maxHandOffWait(Duration.ofMinutes(5)));
        DeferringConsumer pool = new DeferringConsumer(Duration.ofDays(1));
        s.subscribe(pool);
        scheduler.advance(Duration.ofMinutes(50));
        settle(() -> pool.changes() == 1);
        Instant rotated = fake.calls("generate").get(1).at();
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(fake.lease("lease_1").revokedAt).isEqualTo(rotated.plus(Duration.ofMinutes(5)));
    }

    // ------------------------------------------------------------------ failures

    @Test
    void anOutageShorterThanTheRemainingLifeLosesNoLease() {
        fake.ttl(Duration.ofSeconds(4), Duration.ofSeconds(12));
        LeaseKeeper s = build(builder());
        run(s, Duration.ofSeconds(3), Duration.ofMillis(10), () -> {});
        assertThat(fake.calls("renew")).hasSize(1);
        Instant outageStart = scheduler.now();
        assertThat(s.status().validUntil().orElseThrow()).isAfter(outageStart.plusSeconds(3));
        fake.down(true);
        List<String> errorsSeen = new ArrayList<>();
        run(s, Duration.ofSeconds(3), Duration.ofMillis(10), () -> {
            s.status().lastError().ifPresent(errorsSeen::add);
            assertThat(fake.validAt(leaseIdOf(s.current()), scheduler.now())).isTrue();
        });
        assertThat(errorsSeen).isNotEmpty();
        assertThat(errorsSeen.get(0))
                .contains("renewal of lease lease_1 failed")
                .contains("unreachable");
        fake.down(false);
        run(s, Duration.ofSeconds(3), Duration.ofMillis(10), () -> assertThat(
                        fake.validAt(leaseIdOf(s.current()), scheduler.now()))
                .isTrue());
        assertThat(s.status().lastError()).isEmpty();
        assertThat(events.kinds()).doesNotContain("expired lease_1");
        // Retries during the outage never went past the lease's remaining life.
        List<FakeDynamicSecrets.Call> attempts = fake.calls().stream()
                .filter(c -> !c.at().isBefore(outageStart) && c.at().isBefore(outageStart.plusSeconds(3)))
                .toList();
        assertThat(attempts).isNotEmpty();
        assertThat(attempts).allSatisfy(c -> assertThat(c.at()).isBefore(outageStart.plusSeconds(4)));
    }

    @Test
    void retriesGetDenserAsTheEndNears() {
        LeaseKeeper s = build(builder());
        fake.failRenew(new ScaiVaultApiException("try later", 503, "service_unavailable", "req_503", null));
        fake.failGenerate(new ScaiVaultApiException("try later", 503, "service_unavailable", "req_503", null));
        scheduler.advance(HOUR.minusMillis(1));
        List<FakeDynamicSecrets.Call> calls = fake.calls();
        assertThat(calls.size()).isGreaterThan(10);
        Instant expiry = start().plus(HOUR);
        for (FakeDynamicSecrets.Call c : calls) {
            assertThat(c.at()).isBefore(expiry);
        }
        // Each retry waits at most half of what was left before it (calls[0] is the generate at start).
        for (int i = 2; i < calls.size(); i++) {
            Duration left = Duration.between(calls.get(i - 1).at(), expiry);
            Duration gap = Duration.between(calls.get(i - 1).at(), calls.get(i).at());
            assertThat(gap).isLessThanOrEqualTo(LeaseSchedule.max(left.dividedBy(2), LeaseSchedule.MIN_DELAY));
        }
        // Renewals until the rotate point, successor attempts after it.
        Instant rotateAt = expiry.minus(Duration.ofMinutes(12));
        assertThat(calls).filteredOn(c -> c.op().equals("renew")).allSatisfy(c -> assertThat(c.at())
                .isBefore(rotateAt));
        assertThat(calls).filteredOn(c -> c.op().equals("generate")).hasSizeGreaterThan(2);
        assertThat(s.status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("503 service_unavailable"));
        assertThat(events.kinds()).contains("renewalFailed lease_1", "error");
    }

    @Test
    void anOutageLongerThanTheRemainingLifeEndsWithASuccessorAsSoonAsTheServerIsBack() {
        fake.ttl(Duration.ofSeconds(4), Duration.ofSeconds(12));
        LeaseKeeper s = build(builder());
        fake.down(true);
        run(s, Duration.ofSeconds(10), Duration.ofMillis(10), () -> {});
        assertThat(events.kinds()).contains("expired lease_1");
        assertThat(s.status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("unreachable"));
        assertThat(s.status().usableAt(scheduler.now())).isFalse();
        assertThat(s.status().validUntil()).contains(start().plusSeconds(4));
        Instant back = scheduler.now();
        fake.down(false);
        run(s, LeaseSchedule.maxBackoff(Duration.ofSeconds(4)), Duration.ofMillis(10), () -> {});
        assertThat(s.current().origin()).isEqualTo("lease lease_2");
        Instant acquired = fake.calls("generate").stream()
                .filter(c -> !c.at().isBefore(back))
                .findFirst()
                .orElseThrow()
                .at();
        assertThat(Duration.between(back, acquired)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(s.status().lastError()).isEmpty();
        assertThat(s.status().usableAt(scheduler.now())).isTrue();
    }

    @Test
    void successorFailuresBackOffButKeepTryingWhileThePredecessorServes() {
        fake.ttl(HOUR, Duration.ofMinutes(80));
        LeaseKeeper s = build(builder());
        fake.failGenerate(
                new ScaiVaultApiException("slow down", 429, "rate_limited", "req_429", Duration.ofSeconds(30)));
        scheduler.advance(Duration.ofMinutes(55));
        List<FakeDynamicSecrets.Call> gens = fake.calls("generate");
        assertThat(gens.size()).isGreaterThan(3);
        for (int i = 2; i < gens.size(); i++) {
            // Retry-After is honoured while the predecessor has enough life left.
            assertThat(Duration.between(gens.get(i - 1).at(), gens.get(i).at()))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(30));
        }
        assertThat(s.current().origin()).isEqualTo("lease lease_1");
        assertThat(s.status().lastError()).hasValueSatisfying(e -> assertThat(e)
                .contains("to succeed lease lease_1")
                .contains("429 rate_limited")
                .contains("req_429"));
        fake.failGenerate(null);
        scheduler.advance(Duration.ofMinutes(5));
        settle(s);
        assertThat(s.current().origin()).isEqualTo("lease lease_2");
    }

    @Test
    void aLeaseRevokedOutOfBandIsReplacedOnTheNextCheck() {
        LeaseKeeper s = build(builder());
        scheduler.advance(Duration.ofMinutes(10));
        fake.revokeOutOfBand("lease_1");
        scheduler.advance(Duration.ofMinutes(35));
        Instant renewTried = fake.calls("renew").get(0).at();
        assertThat(fake.calls("generate").get(1).at()).isEqualTo(renewTried);
        settle(s);
        assertThat(s.current().origin()).isEqualTo("lease lease_2");
        scheduler.advance(Duration.ofSeconds(1));
        // The gone lease is not revoked again.
        assertThat(fake.calls("revoke")).isEmpty();
    }

    @Test
    void refreshNowReplacesARevokedLeaseAtOnce() throws Exception {
        LeaseKeeper s = build(builder());
        List<String> seenByListener = new CopyOnWriteArrayList<>();
        s.subscribe(c -> seenByListener.add(c.current().origin()));
        scheduler.advance(Duration.ofMinutes(10));
        fake.revokeOutOfBand("lease_1");
        CompletableFuture<Credentials> f = s.refreshNow();
        CompletableFuture<Credentials> g = s.refreshNow();
        scheduler.runDue();
        assertThat(f.get(5, TimeUnit.SECONDS).origin()).isEqualTo("lease lease_2");
        // Listeners had the new value before the future completed: a pool retrying now uses it.
        assertThat(seenByListener).containsExactly("lease lease_1", "lease lease_2");
        assertThat(g.get(5, TimeUnit.SECONDS).origin()).isEqualTo("lease lease_2");
        assertThat(fake.calls("lookup")).hasSize(1);
        assertThat(fake.generated()).isEqualTo(2);
    }

    /**
     * ScaiVault still holds the lease, but the database refused its credentials (role dropped or expired
     * early): a consumer's refresh gets a successor, and the rejected lease is revoked after the hand-off.
     */
    @Test
    void refreshNowReplacesALiveLeaseWhoseCredentialsTheConsumerSaysWereRefused() throws Exception {
        LeaseKeeper s = build(builder());
        scheduler.advance(Duration.ofMinutes(10));
        CompletableFuture<Credentials> f = s.refreshNow();
        scheduler.runDue();
        assertThat(f.get(5, TimeUnit.SECONDS).origin()).isEqualTo("lease lease_2");
        assertThat(fake.generated()).isEqualTo(2);
        // The revocation is scheduled when the hand-off lands on the dispatch thread, maybe after runDue()
        // above returned: run what falls due until it is done, or a busy machine fails this for nothing.
        settle(() -> {
            scheduler.runDue();
            return fake.calls("revoke").size() == 1;
        });
        assertThat(fake.calls("revoke").get(0).leaseId()).isEqualTo("lease_1");

        // Asking again at once keeps the successor: at most one new lease per ten seconds.
        scheduler.advance(LeaseKeeper.REPLACE_ON_REFRESH_INTERVAL.minusMillis(1));
        CompletableFuture<Credentials> again = s.refreshNow();
        scheduler.runDue();
        assertThat(again.get(5, TimeUnit.SECONDS).origin()).isEqualTo("lease lease_2");
        assertThat(fake.generated()).isEqualTo(2);
        assertThat(fake.calls("lookup")).hasSize(2);
        scheduler.advance(Duration.ofMillis(1));
        CompletableFuture<Credentials> later = s.refreshNow();
        scheduler.runDue();
        assertThat(later.get(5, TimeUnit.SECONDS).origin()).isEqualTo("lease lease_3");
    }

    @Test
    void refreshNowFailsWithTheReasonAndKeepsTheValue() {
        LeaseKeeper s = build(builder());
        fake.down(true);
        CompletableFuture<Credentials> f = s.refreshNow();
        scheduler.runDue();
        assertThat(f)
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableThat()
                .withMessageContaining("lease:postgres/app")
                .withMessageContaining("unreachable");
        assertThat(s.current().origin()).isEqualTo("lease lease_1");
    }

    // ------------------------------------------------------------------ close

    @Test
    void closeRevokesTheCurrentLeaseAndPredecessorsAwaitingHandOff() {
        DeferringConsumer pool = new DeferringConsumer(Duration.ofDays(1));
        LeaseKeeper s = rotatedOnceWithoutHandOff(pool);
        assertThat(fake.lease("lease_1").revokedAt).isNull();
        s.close();
        assertThat(fake.leases()).hasSize(2).allSatisfy(e -> assertThat(e.revokedAt)
                .isNotNull());
        assertThat(scheduler.pending()).isZero();
        assertThatThrownBy(s::current).isInstanceOf(SecretUnavailableException.class);
        assertThat(s.refreshNow()).isCompletedExceptionally();
        s.close();
        assertThat(fake.calls("revoke")).hasSize(2);
    }

    @Test
    void closeIsBoundedWhenRevocationHangs() {
        LeaseKeeper s = build(builder().closeTimeout(Duration.ofMillis(200)));
        CountDownLatch gate = fake.blockRevokes();
        try {
            CompletableFuture<Void> closed = CompletableFuture.runAsync(s::close);
            assertThat(closed).succeedsWithin(Duration.ofSeconds(5));
            assertThat(fake.calls("revoke")).isEmpty();
        } finally {
            gate.countDown();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> fake.calls("revoke").size() == 1);
    }

    @Test
    void callsToScaiVaultRunOffTheSchedulerThread() {
        List<String> threads = new CopyOnWriteArrayList<>();
        FakeDynamicSecrets real =
                new FakeDynamicSecrets(java.time.Clock.systemUTC()).ttl(Duration.ofSeconds(4), Duration.ofMinutes(1));
        var api = new ForwardingDynamicSecrets(real) {
            @Override
            public Lease renew(String leaseId, Duration increment) {
                threads.add(Thread.currentThread().getName());
                return super.renew(leaseId, increment);
            }
        };
        LeaseKeeper s =
                build(LeaseSource.builder(api, Time.system(), "postgres", "app").random(new Random(1)));
        // On the system time the scheduler thread only keeps time: the renewal runs on an I/O thread.
        await().atMost(Duration.ofSeconds(10)).until(() -> !threads.isEmpty());
        assertThat(threads.get(0)).startsWith("scaivault-io-");
    }

    @Test
    void aLeaseGeneratedWhileClosingIsRevokedToo() throws Exception {
        fake.renewable(false);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var api = new ForwardingDynamicSecrets(fake) {
            @Override
            public Lease generate(String engine, String role, Duration ttl) {
                if (fake.generated() == 1) {
                    entered.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.generate(engine, role, ttl);
            }
        };
        LeaseKeeper s = (LeaseKeeper) LeaseSource.builder(api, Time.of(scheduler, scheduler), "postgres", "app")
                .build();
        scheduler.advance(Duration.ofMinutes(48));
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        s.close();
        assertThat(fake.lease("lease_1").revokedAt).isNotNull();
        release.countDown();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> fake.lease("lease_2") != null && fake.lease("lease_2").revokedAt != null);
        assertThat(s.status().hasValue()).isFalse();
    }

    @Test
    void eventListenerFailuresDoNotStopTheKeeper() {
        LeaseKeeper s = build(builder().listener(new LeaseListener() {
            @Override
            public void renewed(Lease lease) {
                throw new IllegalStateException("metrics broke");
            }
        }));
        scheduler.advance(Duration.ofHours(3));
        assertThat(fake.calls("renew").size()).isGreaterThan(3);
        assertThat(s.current().origin()).isEqualTo("lease lease_1");
    }

    // ------------------------------------------------------------------ helpers

    /** A consumer like a pool: takes each change and hands the old value off some time later. */
    final class DeferringConsumer implements SecretListener<Credentials> {
        private final Duration drain;
        private final List<Object[]> pending = new CopyOnWriteArrayList<>();
        private final Map<String, Instant> handOffs = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile int changes;

        DeferringConsumer(Duration drain) {
            this.drain = drain;
        }

        @Override
        public void onChange(SecretChange<? extends Credentials> change) {
            if (change.previous() == null) {
                return;
            }
            HandOff h = change.deferHandOff();
            pending.add(new Object[] {
                leaseIdOf(change.previous()), h, scheduler.now().plus(drain)
            });
            changes++;
        }

        int changes() {
            return changes;
        }

        int outstanding() {
            return pending.size();
        }

        void completeDue(Instant now) {
            for (Object[] p : pending) {
                if (!now.isBefore((Instant) p[2])) {
                    pending.remove(p);
                    handOffs.put((String) p[0], now);
                    ((HandOff) p[1]).complete();
                }
            }
        }

        Instant handOffAt(String leaseId) {
            return handOffs.get(leaseId);
        }
    }

    static final class RecordingEvents implements LeaseListener {
        private final List<String> kinds = new CopyOnWriteArrayList<>();
        final List<Lease> leasesSeen = new CopyOnWriteArrayList<>();
        final List<String> messages = new CopyOnWriteArrayList<>();

        List<String> kinds() {
            return kinds;
        }

        @Override
        public void created(Lease lease) {
            leasesSeen.add(lease);
            kinds.add("created " + lease.id());
        }

        @Override
        public void renewed(Lease lease) {
            leasesSeen.add(lease);
            kinds.add("renewed " + lease.id());
        }

        @Override
        public void renewalFailed(Lease lease, RuntimeException error, Duration retryIn) {
            messages.add(error.getMessage());
            kinds.add("renewalFailed " + lease.id());
        }

        @Override
        public void rotated(Lease previous, Lease next) {
            kinds.add("rotated " + previous.id() + ">" + next.id());
        }

        @Override
        public void revoked(Lease lease) {
            kinds.add("revoked " + lease.id());
        }

        @Override
        public void expired(Lease lease) {
            kinds.add("expired " + lease.id());
        }

        @Override
        public void error(String message, RuntimeException error) {
            messages.add(message);
            kinds.add("error");
        }
    }
}
