package dev.scaivault.lease;

import dev.scaivault.DynamicSecrets;
import dev.scaivault.Lease;
import dev.scaivault.ScaiVaultApiException;
import dev.scaivault.ScaiVaultIoException;
import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A dynamic secrets engine in memory that enforces what a real one does: default and max TTL, renewals
 * capped at the max, 404 for leases that are revoked or expired, and revocation counted per lease.
 */
final class FakeDynamicSecrets implements DynamicSecrets {

    /** One lease as the server knows it. */
    static final class Entry {
        final String id;
        final String username;
        final String password;
        final Instant issuedAt;
        final Instant maxExpiresAt;
        volatile Instant expiresAt;
        volatile Instant revokedAt;

        Entry(String id, String username, String password, Instant issuedAt, Instant expiresAt, Instant max) {
            this.id = id;
            this.username = username;
            this.password = password;
            this.issuedAt = issuedAt;
            this.expiresAt = expiresAt;
            this.maxExpiresAt = max;
        }

        boolean validAt(Instant t) {
            return !t.isBefore(issuedAt) && t.isBefore(expiresAt) && (revokedAt == null || t.isBefore(revokedAt));
        }
    }

    record Call(String op, String leaseId, Instant at) {}

    private final InstantSource clock;
    private final Map<String, Entry> leases = new LinkedHashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private Duration defaultTtl = Duration.ofHours(1);
    private Duration maxTtl = Duration.ofHours(24);
    private boolean renewable = true;
    private boolean reportMax = true;
    private boolean down;
    private RuntimeException generateError;
    private RuntimeException renewError;
    private Error nextRenewError;
    private CountDownLatch revokeGate;
    private final java.util.concurrent.atomic.AtomicInteger revokesStarted =
            new java.util.concurrent.atomic.AtomicInteger();
    private int n;

    FakeDynamicSecrets(InstantSource clock) {
        this.clock = clock;
    }

    synchronized FakeDynamicSecrets ttl(Duration defaultTtl, Duration maxTtl) {
        this.defaultTtl = defaultTtl;
        this.maxTtl = maxTtl;
        return this;
    }

    synchronized FakeDynamicSecrets renewable(boolean renewable) {
        this.renewable = renewable;
        return this;
    }

    /** Whether lease answers carry max_expires_at (a server may leave it out). */
    synchronized FakeDynamicSecrets reportMax(boolean reportMax) {
        this.reportMax = reportMax;
        return this;
    }

    /** Unreachable: every call fails as a refused connection would. */
    synchronized void down(boolean down) {
        this.down = down;
    }

    synchronized void failGenerate(RuntimeException e) {
        this.generateError = e;
    }

    synchronized void failRenew(RuntimeException e) {
        this.renewError = e;
    }

    /** The next renewal throws {@code e} (an {@link OutOfMemoryError}, say), the ones after work again. */
    synchronized void failNextRenewWith(Error e) {
        this.nextRenewError = e;
    }

    /** Revocations that have started, including those still blocked by {@link #blockRevokes()}. */
    int revokesStarted() {
        return revokesStarted.get();
    }

    /** Makes revoke block until the returned latch is counted down. */
    synchronized CountDownLatch blockRevokes() {
        revokeGate = new CountDownLatch(1);
        return revokeGate;
    }

    /** Revokes a lease behind the client's back. */
    synchronized void revokeOutOfBand(String id) {
        leases.get(id).revokedAt = clock.instant();
    }

    static String passwordOf(int i) {
        return "pw-" + i + "-s3cr3t-value";
    }

    @Override
    public synchronized Lease generate(String engine, String role, Duration ttl) {
        Instant now = clock.instant();
        calls.add(new Call("generate", null, now));
        failIfDown();
        if (generateError != null) {
            throw generateError;
        }
        Duration granted = ttl == null ? defaultTtl : ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
        int i = ++n;
        String id = "lease_" + i;
        Entry e = new Entry(id, "v-" + role + "-" + i, passwordOf(i), now, now.plus(granted), now.plus(maxTtl));
        // The suite-wide LeakCheck fails any test that logs it.
        LeakCheck.secret(e.password);
        leases.put(id, e);
        return describe(e, granted)
                .data(Map.of("username", e.username, "password", e.password))
                .build();
    }

    @Override
    public synchronized Lease renew(String leaseId, Duration increment) {
        Instant now = clock.instant();
        calls.add(new Call("renew", leaseId, now));
        failIfDown();
        if (renewError != null) {
            throw renewError;
        }
        if (nextRenewError != null) {
            Error e = nextRenewError;
            nextRenewError = null;
            throw e;
        }
        Entry e = live(leaseId, now);
        if (!renewable) {
            throw new ScaiVaultApiException(
                    "lease " + leaseId + " is not renewable", 400, "lease_not_renewable", "req_nr", null);
        }
        Instant wanted = now.plus(Duration.ofSeconds(increment.toSeconds()));
        e.expiresAt = wanted.isAfter(e.maxExpiresAt) ? e.maxExpiresAt : wanted;
        return describe(e, Duration.between(now, e.expiresAt)).build();
    }

    @Override
    public void revoke(String leaseId) {
        revokesStarted.incrementAndGet();
        CountDownLatch gate;
        synchronized (this) {
            gate = revokeGate;
        }
        if (gate != null) {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            Instant now = clock.instant();
            calls.add(new Call("revoke", leaseId, now));
            failIfDown();
            Entry e = leases.get(leaseId);
            if (e != null && e.revokedAt == null) {
                e.revokedAt = now;
            }
        }
    }

    @Override
    public synchronized Lease lookup(String leaseId) {
        Instant now = clock.instant();
        calls.add(new Call("lookup", leaseId, now));
        failIfDown();
        Entry e = live(leaseId, now);
        return describe(e, Duration.between(now, e.expiresAt)).build();
    }

    private Entry live(String leaseId, Instant now) {
        Entry e = leases.get(leaseId);
        if (e == null || !e.validAt(now)) {
            throw new ScaiVaultApiException("lease " + leaseId + " not found", 404, "lease_not_found", "req_404", null);
        }
        return e;
    }

    private Lease.Builder describe(Entry e, Duration duration) {
        return Lease.builder()
                .id(e.id)
                .engine("postgres")
                .role("app")
                .duration(duration)
                .renewable(renewable)
                .issuedAt(clock.instant())
                .expiresAt(e.expiresAt)
                .maxExpiresAt(reportMax ? e.maxExpiresAt : null);
    }

    private void failIfDown() {
        if (down) {
            throw new ScaiVaultIoException("connect to 127.0.0.1:8443 refused", false, null);
        }
    }

    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    synchronized List<Call> calls(String op) {
        return calls.stream().filter(c -> c.op().equals(op)).toList();
    }

    synchronized List<Entry> leases() {
        return List.copyOf(leases.values());
    }

    synchronized Entry lease(String id) {
        return leases.get(id);
    }

    synchronized boolean anyValidAt(Instant t) {
        return leases.values().stream().anyMatch(e -> e.validAt(t));
    }

    synchronized boolean validAt(String id, Instant t) {
        Entry e = leases.get(id);
        return e != null && e.validAt(t);
    }

    synchronized int generated() {
        return n;
    }
}
