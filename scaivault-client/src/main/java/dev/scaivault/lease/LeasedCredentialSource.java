package dev.scaivault.lease;

import dev.scaivault.AbstractSecretSource;
import dev.scaivault.Credentials;
import dev.scaivault.DynamicSecrets;
import dev.scaivault.Lease;
import dev.scaivault.ScaiVaultApiException;
import dev.scaivault.ScaiVaultException;
import dev.scaivault.ScaiVaultIoException;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.internal.Scheduler;
import dev.scaivault.internal.Threads;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Database credentials from a ScaiVault dynamic secrets engine, kept valid for as long as the source is
 * open: the lease is renewed in the background, replaced by a successor well before it can no longer be
 * extended, and every lease is revoked once its consumers have let go of it.
 *
 * <p>The schedule, per lease of original duration {@code D} (the life granted at generate):
 *
 * <ul>
 *   <li>renew after {@code 2/3 * remaining + 1/3 * grace}, {@code grace} a random 10-20 % of the lease, and
 *       never later than the rotate point {@code expiry - rotateThreshold * D};
 *   <li>on a renewal error retry with exponential backoff and full jitter, each wait at most half of the
 *       remaining life and never past the rotate point;
 *   <li>acquire the successor at once when a renewal no longer extends the lease (max TTL) or the lease is
 *       gone (404), and at the rotate point otherwise (non-renewable leases, failing renewals);
 *   <li>publish the successor, then revoke the predecessor when every consumer has handed it off, or at its
 *       expiry at the latest.
 * </ul>
 *
 * <p>{@link #current()} never waits on the network. {@link Credentials#expiresAt()} of a published value is
 * the expiry at generate; {@link #status()} reports the live expiry of the lease in force. See {@code
 * docs/leases.md}.
 */
public final class LeasedCredentialSource extends AbstractSecretSource<Credentials> {
    private static final Logger log = LoggerFactory.getLogger(LeasedCredentialSource.class);
    private static final ThreadFactory CLOSE_THREADS = Threads.daemonFactory("scaivault-lease-close");
    /** Where lease tasks call ScaiVault; idle threads die, so closed sources leave nothing running. */
    private static final Executor IO = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            5,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            Threads.daemonFactory("scaivault-lease-io"));
    /**
     * Refreshes replace a lease ScaiVault still holds at most once per this interval, so consumers refused for
     * another reason (or a login still using the previous lease) cost at most one new lease per interval.
     */
    static final Duration REPLACE_ON_REFRESH_INTERVAL = Duration.ofSeconds(10);

    /** Scales the backoff before any lease has told us how long leases last. */
    private static final Duration UNKNOWN_LEASE_SCALE = Duration.ofMinutes(1);

    private final DynamicSecrets api;
    /** The first generate of a fail-closed start has no schedule behind it: it gets the client's retries. */
    private final DynamicSecrets startApi;

    private final String engine;
    private final String role;
    private final Duration ttl;
    private final Duration increment;
    private final double threshold;
    private final Scheduler scheduler;
    private final Duration maxHandOffWait;
    private final Duration closeTimeout;
    private final LeaseEvents events;
    private final RandomGenerator random;
    private final Executor io;

    /** Guards the fields below; never held across a call to ScaiVault. */
    private final Object lock = new Object();
    /** Serializes the background tasks even on a scheduler with more than one thread. */
    private final ReentrantLock work = new ReentrantLock();

    private Held current;
    private final List<Held> retiring = new ArrayList<>();
    private Scheduler.Cancellable next;
    private long nextToken;
    private Scheduler.Cancellable expiryWatch;
    private int failures;
    private boolean acquiring;
    private boolean stopped;
    private final List<CompletableFuture<Credentials>> refreshWaiters = new ArrayList<>();
    private Instant lastReplacedOnRefresh;
    private boolean refreshQueued;

    private LeasedCredentialSource(Builder b) {
        super("lease:" + b.engine + "/" + b.role, b.scheduler.clock());
        // The schedule below is the retry policy; the client's own retries would multiply every attempt.
        this.api = new Contained(b.api.singleAttempt());
        this.startApi = new Contained(b.api);
        this.engine = b.engine;
        this.role = b.role;
        this.ttl = b.ttl;
        this.increment = b.increment;
        this.threshold = b.rotateThreshold;
        this.scheduler = b.scheduler;
        this.maxHandOffWait = b.maxHandOffWait;
        this.closeTimeout = b.closeTimeout;
        this.events = b.events;
        this.random = b.random != null ? b.random : new Random();
        this.io = b.io != null ? b.io : IO;
    }

    /**
     * Starts configuring a source for {@code role} of the dynamic secrets engine {@code engine}.
     *
     * @param api usually {@code ScaiVault.dynamic()}
     */
    public static Builder builder(DynamicSecrets api, String engine, String role) {
        return new Builder(api, engine, role);
    }

    // ---------------------------------------------------------------- startup

    private void start(boolean startWithoutValue) {
        work.lock();
        try {
            Lease generated;
            Held h;
            try {
                generated = (startWithoutValue ? api : startApi).generate(engine, role, ttl);
                h = adopt(generated);
            } catch (RuntimeException e) {
                String msg = name() + ": could not generate credentials for engine '" + engine + "' role '" + role
                        + "': " + describe(e);
                if (!startWithoutValue) {
                    throw new SecretUnavailableException(msg, e);
                }
                synchronized (lock) {
                    acquiring = true;
                }
                onAcquireFailed(null, e);
                return;
            }
            install(h, null, "startup");
        } finally {
            work.unlock();
        }
    }

    // ---------------------------------------------------------------- acquisition

    /** Generates a lease and publishes it in place of the current one; returns the failure, if any. */
    private RuntimeException acquire(String reason) {
        Held prev;
        synchronized (lock) {
            if (stopped) {
                return closedError();
            }
            prev = current;
            acquiring = true;
            cancelNextLocked();
        }
        log.info(
                "{}: acquiring a new lease{} ({})", name(), prev == null ? "" : " to succeed lease " + prev.id, reason);
        Held h;
        try {
            h = adopt(api.generate(engine, role, ttl));
        } catch (RuntimeException e) {
            onAcquireFailed(prev, e);
            return e;
        }
        return install(h, prev, reason);
    }

    private RuntimeException install(Held h, Held prev, String reason) {
        synchronized (lock) {
            if (!stopped) {
                current = h;
                acquiring = false;
                failures = 0;
                if (prev != null) {
                    retiring.add(prev);
                }
            }
        }
        if (isStopped()) {
            // close() ran while we were generating: this lease is ours alone to revoke.
            revokeQuietly(h.lease, "the source closed while it was being acquired");
            return closedError();
        }
        fire(() -> events.created(h.lease));
        log.info(
                "{}: lease {} acquired ({}), duration {}, renewable {}, expires {}",
                name(),
                h.id,
                reason,
                h.original,
                h.lease.renewable(),
                h.lease.expiresAt());
        CompletableFuture<Void> handOff = publish(h.credentials);
        if (prev != null) {
            fire(() -> events.rotated(prev.lease, h.lease));
            retire(prev, handOff);
        }
        plan(h);
        return null;
    }

    private void onAcquireFailed(Held prev, RuntimeException e) {
        int n;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            n = ++failures;
        }
        Instant now = clock().instant();
        Duration scale = prev != null ? prev.original : ttl != null ? ttl : UNKNOWN_LEASE_SCALE;
        boolean predecessorValid = prev != null && !prev.gone && now.isBefore(prev.lease.expiresAt());
        Duration cap = LeaseTiming.maxBackoff(scale);
        if (!predecessorValid && e instanceof ScaiVaultApiException a && a.status() == 429) {
            // The identity's bucket is empty and every pod sharing it is waiting: back off as far as a pod
            // without credentials may (the after-expiry cap), so a fleet's 429s thin out as the wait grows.
            cap = LeaseTiming.max(cap, LeaseTiming.AFTER_EXPIRY_CAP);
        }
        Duration delay = LeaseTiming.backoff(n, LeaseTiming.initialBackoff(scale), cap, random);
        delay = predecessorValid
                ? LeaseTiming.withinRemaining(delay, prev.lease.remainingAt(now))
                : LeaseTiming.min(delay, LeaseTiming.AFTER_EXPIRY_CAP);
        delay = retryAfterAtLeast(delay, e);
        String msg = name() + ": could not generate credentials for engine '" + engine + "' role '" + role
                + "'" + (prev == null ? "" : " to succeed lease " + prev.id) + ": " + describe(e)
                + "; attempt " + n + ", next in " + delay
                + (prev == null
                        ? ""
                        : predecessorValid
                                ? "; lease " + prev.id + " valid until " + prev.lease.expiresAt()
                                : prev.gone
                                        ? "; lease " + prev.id + " is gone"
                                        : "; lease " + prev.id + " expired at " + prev.lease.expiresAt());
        recordFailure(msg);
        log.warn(msg);
        fire(() -> events.error(msg, e));
        synchronized (lock) {
            scheduleNextLocked(delay, () -> acquire("retry after failure"));
        }
    }

    /** Validates a freshly generated lease; a lease we cannot use is revoked on the spot. */
    private Held adopt(Lease g) {
        Instant now = clock().instant();
        String user = g.data().get("username");
        String pass = g.data().get("password");
        String problem = null;
        if (user == null || user.isEmpty() || pass == null || pass.isEmpty()) {
            problem = "carries no username and password (data keys: "
                    + new TreeSet<>(g.data().keySet()) + ")";
        } else if (g.duration().isNegative() || g.duration().isZero() || !now.isBefore(g.expiresAt())) {
            problem = "is already expired (duration " + g.duration() + ", expires " + g.expiresAt() + ")";
        }
        Lease lease = strip(g);
        if (problem != null) {
            revokeQuietly(lease, "it is unusable");
            throw new ScaiVaultException(
                    "lease " + g.id() + " for engine '" + engine + "' role '" + role + "' " + problem);
        }
        Held h = new Held(g.id(), g.duration(), Credentials.of(user, pass, "lease " + g.id(), g.expiresAt()), lease);
        h.renewable = g.renewable() && !atMax(g);
        h.grace = LeaseTiming.grace(g.duration(), increment, random);
        return h;
    }

    // ---------------------------------------------------------------- renewal

    /** Schedules the next check of {@code h}: a renewal, or the successor at the rotate point. */
    private void plan(Held h) {
        synchronized (lock) {
            if (stopped || h != current) {
                return;
            }
            Instant now = clock().instant();
            Instant rotateAt = rotateAt(h);
            Instant at = rotateAt;
            if (h.renewable) {
                Instant renewAt = now.plus(LeaseTiming.renewDelay(h.lease.remainingAt(now), h.grace));
                at = renewAt.isBefore(rotateAt) ? renewAt : rotateAt;
            }
            scheduleNextLocked(Duration.between(now, at), () -> check(h));
            watchExpiryLocked(h);
        }
    }

    private void check(Held h) {
        synchronized (lock) {
            if (stopped || h != current) {
                return;
            }
        }
        if (!clock().instant().isBefore(rotateAt(h))) {
            acquire(
                    h.renewable
                            ? "remaining life below the rotate threshold"
                            : "lease is not renewable and reached the rotate threshold");
        } else if (h.renewable) {
            renew(h);
        } else {
            plan(h);
        }
    }

    private void renew(Held h) {
        Duration asked = increment != null ? increment : h.original;
        Lease before = h.lease;
        Lease r;
        try {
            r = strip(api.renew(h.id, asked));
        } catch (ScaiVaultApiException e) {
            if (e.status() == 404 || "lease_not_found".equals(e.code())) {
                synchronized (lock) {
                    h.gone = true;
                }
                log.warn(
                        "{}: lease {} is gone on the server ({}); acquiring its successor now",
                        name(),
                        h.id,
                        describe(e));
                fire(() -> events.renewalFailed(before, e, Duration.ZERO));
                acquire("lease gone on the server");
                return;
            }
            if ("lease_not_renewable".equals(e.code())) {
                synchronized (lock) {
                    h.renewable = false;
                }
                log.info("{}: lease {} is not renewable; its successor comes at the rotate threshold", name(), h.id);
                plan(h);
                return;
            }
            onRenewFailed(h, e);
            return;
        } catch (RuntimeException e) {
            onRenewFailed(h, e);
            return;
        }
        // An increment shorter than the life left legitimately moves the expiry earlier; only when we asked
        // for more than was left does an expiry that did not move mean the lease is stuck at its max.
        boolean askedBeyondExpiry = clock().instant().plus(asked).isAfter(before.expiresAt());
        boolean extended = (!askedBeyondExpiry || r.expiresAt().isAfter(before.expiresAt()))
                && r.duration().compareTo(asked.minus(tolerance(asked))) >= 0
                && !atMax(r)
                && r.renewable();
        synchronized (lock) {
            if (stopped || h != current) {
                return;
            }
            h.lease = r;
            failures = 0;
            if (extended) {
                h.grace = LeaseTiming.grace(r.duration(), asked, random);
            } else {
                h.renewable = false;
            }
        }
        recordSuccess();
        fire(() -> events.renewed(r));
        if (extended) {
            log.debug("{}: lease {} renewed until {}", name(), h.id, r.expiresAt());
            plan(h);
        } else {
            log.info(
                    "{}: lease {} no longer extends (asked {}, granted {}, expires {}{}); acquiring its successor now",
                    name(),
                    h.id,
                    asked,
                    r.duration(),
                    r.expiresAt(),
                    r.maxExpiresAt().map(m -> ", max " + m).orElse(""));
            acquire("lease reached its max TTL");
        }
    }

    private void onRenewFailed(Held h, RuntimeException e) {
        int n;
        synchronized (lock) {
            if (stopped || h != current) {
                return;
            }
            n = ++failures;
        }
        Instant now = clock().instant();
        Duration delay = LeaseTiming.withinRemaining(
                LeaseTiming.backoff(
                        n, LeaseTiming.initialBackoff(h.original), LeaseTiming.maxBackoff(h.original), random),
                h.lease.remainingAt(now));
        delay = retryAfterAtLeast(delay, e);
        Instant at = now.plus(delay);
        // The successor is a generate, which the renewal's Retry-After does not hold back.
        Instant rotateAt = rotateAt(h);
        if (at.isAfter(rotateAt)) {
            at = rotateAt.isAfter(now) ? rotateAt : now;
        }
        Duration retryIn = Duration.between(now, at);
        String msg = name() + ": renewal of lease " + h.id + " failed: " + describe(e) + "; attempt " + n + ", next in "
                + retryIn + "; lease valid until " + h.lease.expiresAt();
        recordFailure(msg);
        log.warn(msg);
        Lease lease = h.lease;
        fire(() -> events.renewalFailed(lease, e, retryIn));
        synchronized (lock) {
            scheduleNextLocked(retryIn, () -> check(h));
        }
    }

    private void watchExpiryLocked(Held h) {
        if (expiryWatch != null) {
            expiryWatch.cancel();
        }
        Instant expiry = h.lease.expiresAt();
        expiryWatch = later(Duration.between(clock().instant(), expiry), () -> onExpiry(h, expiry));
    }

    private void onExpiry(Held h, Instant expiry) {
        synchronized (lock) {
            if (stopped || h != current || !h.lease.expiresAt().equals(expiry)) {
                return;
            }
        }
        String msg = name() + ": lease " + h.id + " expired at " + expiry + " without a successor"
                + status().lastError().map(e -> "; last error: " + e).orElse("");
        recordFailure(msg);
        log.error(msg);
        fire(() -> events.expired(h.lease));
    }

    // ---------------------------------------------------------------- retirement

    private void retire(Held prev, CompletableFuture<Void> handOff) {
        Instant now = clock().instant();
        Instant latest = prev.lease.expiresAt();
        if (maxHandOffWait != null && now.plus(maxHandOffWait).isBefore(latest)) {
            latest = now.plus(maxHandOffWait);
        }
        synchronized (lock) {
            prev.handOff = handOff;
            prev.revokeTask =
                    later(Duration.between(now, latest), () -> revokeRetired(prev, "no hand-off before its expiry"));
        }
        handOff.thenRun(() -> {
            later(Duration.ZERO, () -> revokeRetired(prev, "hand-off complete"));
            prev.handedOff = true;
        });
    }

    private void revokeRetired(Held p, String why) {
        boolean gone;
        CompletableFuture<Void> revoking = new CompletableFuture<>();
        synchronized (lock) {
            if (stopped || p.revoked || p.revoking != null) {
                return;
            }
            gone = p.gone;
            // close() waits for this one instead of sending a second revocation of the same lease.
            p.revoking = revoking;
        }
        try {
            if (!gone) {
                try {
                    api.revoke(p.id);
                } catch (RuntimeException e) {
                    synchronized (lock) {
                        p.revoking = null;
                    }
                    onRevokeFailed(p, why, e);
                    return;
                }
            }
            synchronized (lock) {
                p.revoked = true;
                retiring.remove(p);
                if (p.revokeTask != null) {
                    p.revokeTask.cancel();
                }
            }
            if (!gone) {
                fire(() -> events.revoked(p.lease));
            }
            log.info("{}: lease {} {} ({})", name(), p.id, gone ? "was already gone" : "revoked", why);
        } finally {
            revoking.complete(null);
        }
    }

    private void onRevokeFailed(Held p, String why, RuntimeException e) {
        Instant now = clock().instant();
        synchronized (lock) {
            if (stopped) {
                // close() waited for this attempt rather than sending its own: say how it ended.
                log.warn(
                        "{}: could not revoke lease {} ({}): {}; it expires at {}",
                        name(),
                        p.id,
                        why,
                        describe(e),
                        p.lease.expiresAt());
                return;
            }
            if (!now.isBefore(p.lease.expiresAt())) {
                retiring.remove(p);
                p.revoked = true;
                log.warn(
                        "{}: could not revoke lease {} before its expiry at {} ({}); the server drops it at expiry",
                        name(),
                        p.id,
                        p.lease.expiresAt(),
                        describe(e));
                return;
            }
            int n = ++p.revokeFailures;
            Duration delay = LeaseTiming.withinRemaining(
                    LeaseTiming.backoff(
                            n, LeaseTiming.initialBackoff(p.original), LeaseTiming.maxBackoff(p.original), random),
                    p.lease.remainingAt(now));
            log.warn(
                    "{}: revocation of lease {} failed ({}); attempt {}, next in {}",
                    name(),
                    p.id,
                    describe(e),
                    n,
                    delay);
            if (p.revokeTask != null) {
                p.revokeTask.cancel();
            }
            p.revokeTask = later(delay, () -> revokeRetired(p, why));
        }
    }

    // ---------------------------------------------------------------- refresh

    /**
     * Checks the lease in force with ScaiVault and, if it is gone or expired, acquires a successor at once.
     * If ScaiVault still holds it, the caller's credentials were refused by the database (the role ended
     * early, out of band): a successor is acquired too, at most once per {@link
     * #REPLACE_ON_REFRESH_INTERVAL}. Completes with the credentials in force afterwards, once every listener
     * has been told about them (so a pool retrying on completion uses them), or fails with the reason (the
     * current value stays as it was).
     */
    @Override
    public CompletableFuture<Credentials> refreshNow() {
        CompletableFuture<Credentials> f = new CompletableFuture<>();
        synchronized (lock) {
            if (stopped) {
                return CompletableFuture.failedFuture(closedError());
            }
            refreshWaiters.add(f);
            if (refreshQueued) {
                return f;
            }
            refreshQueued = true;
        }
        later(Duration.ZERO, this::refresh);
        return f;
    }

    private boolean replaceOnRefresh(Instant now) {
        synchronized (lock) {
            if (lastReplacedOnRefresh != null
                    && now.isBefore(lastReplacedOnRefresh.plus(REPLACE_ON_REFRESH_INTERVAL))) {
                return false;
            }
            lastReplacedOnRefresh = now;
            return true;
        }
    }

    private void refresh() {
        Held h;
        boolean acq;
        synchronized (lock) {
            refreshQueued = false;
            h = current;
            acq = acquiring;
        }
        RuntimeException error = null;
        if (isStopped()) {
            error = closedError();
        } else if (h == null || acq || h.gone) {
            error = acquire("refresh requested");
        } else {
            try {
                Lease l = strip(api.lookup(h.id));
                Instant now = clock().instant();
                if (!now.isBefore(l.expiresAt())) {
                    synchronized (lock) {
                        h.gone = true;
                    }
                    error = acquire("refresh found the lease expired");
                } else if (replaceOnRefresh(now)) {
                    // ScaiVault still holds the lease, yet a consumer asks again: the database refused its
                    // credentials (the role dropped or expired early, out of band). Only a successor helps; the
                    // rejected lease is revoked after the hand-off, as any predecessor.
                    log.warn(
                            "{}: refresh requested while lease {} is live on ScaiVault (until {}): its credentials"
                                    + " are taken as refused; acquiring a successor",
                            name(),
                            h.id,
                            l.expiresAt());
                    error = acquire("refresh requested while the lease is live");
                } else {
                    recordSuccess();
                    boolean moved;
                    synchronized (lock) {
                        moved = !l.expiresAt().equals(h.lease.expiresAt());
                        if (moved) {
                            h.lease = l;
                        }
                        if (!l.renewable()) {
                            h.renewable = false;
                        }
                    }
                    if (moved || !l.renewable()) {
                        plan(h);
                    }
                }
            } catch (ScaiVaultApiException e) {
                if (e.status() == 404 || "lease_not_found".equals(e.code())) {
                    synchronized (lock) {
                        h.gone = true;
                    }
                    log.warn(
                            "{}: refresh found lease {} gone ({}); acquiring its successor now",
                            name(),
                            h.id,
                            describe(e));
                    error = acquire("lease gone on the server");
                } else {
                    error = e;
                }
            } catch (RuntimeException e) {
                error = e;
            }
        }
        List<CompletableFuture<Credentials>> waiters;
        synchronized (lock) {
            waiters = new ArrayList<>(refreshWaiters);
            refreshWaiters.clear();
        }
        if (error == null && currentOrNull() != null) {
            // Once every listener has the value in force: a pool retrying on completion uses it.
            afterDelivery(this)
                    .whenComplete((v, e) -> waiters.forEach(w -> {
                        if (e == null) {
                            w.complete(v);
                        } else {
                            w.completeExceptionally(e);
                        }
                    }));
            return;
        }
        RuntimeException cause = error != null ? error : closedError();
        for (CompletableFuture<Credentials> w : waiters) {
            w.completeExceptionally(
                    new SecretUnavailableException(name() + ": refresh failed: " + describe(cause), cause));
        }
    }

    // ---------------------------------------------------------------- close

    /**
     * Stops renewing and revokes every lease this source holds (the current one and predecessors still
     * waiting for their hand-off), waiting at most the configured close timeout. Leases whose revocation did
     * not finish in time are logged and expire on their own.
     */
    @Override
    public void close() {
        List<Held> held = new ArrayList<>();
        List<CompletableFuture<Credentials>> waiters;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            cancelNextLocked();
            if (expiryWatch != null) {
                expiryWatch.cancel();
            }
            if (current != null) {
                held.add(current);
            }
            for (Held p : retiring) {
                if (p.revokeTask != null) {
                    p.revokeTask.cancel();
                }
                held.add(p);
            }
            held.removeIf(p -> p.gone || p.revoked);
            waiters = new ArrayList<>(refreshWaiters);
            refreshWaiters.clear();
        }
        waiters.forEach(w -> w.completeExceptionally(closedError()));
        super.close();
        revokeAll(held);
    }

    private void revokeAll(List<Held> held) {
        List<Held> mine = new ArrayList<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        synchronized (lock) {
            for (Held p : held) {
                if (p.revoking == null) {
                    p.revoking = new CompletableFuture<>();
                    mine.add(p);
                }
                // One already in flight (a hand-off that just completed) is waited for, never sent twice.
                all.add(p.revoking);
            }
        }
        if (all.isEmpty()) {
            return;
        }
        if (!mine.isEmpty()) {
            CLOSE_THREADS
                    .newThread(() -> {
                        for (Held p : mine) {
                            try {
                                revokeQuietly(p.lease, "source closed");
                                synchronized (lock) {
                                    p.revoked = true;
                                }
                            } finally {
                                p.revoking.complete(null);
                            }
                        }
                    })
                    .start();
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, closeTimeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            List<String> pending = new ArrayList<>();
            synchronized (lock) {
                for (Held p : held) {
                    if (!p.revoking.isDone()) {
                        pending.add(p.id + " (expires " + p.lease.expiresAt() + ")");
                    }
                }
            }
            if (!pending.isEmpty()) {
                log.warn(
                        "{}: close gave up after {} waiting to revoke {}; they expire on their own",
                        name(),
                        closeTimeout,
                        pending);
            }
        }
    }

    private void revokeQuietly(Lease lease, String why) {
        try {
            api.revoke(lease.id());
            fire(() -> events.revoked(lease));
            log.info("{}: lease {} revoked ({})", name(), lease.id(), why);
        } catch (RuntimeException e) {
            log.warn(
                    "{}: could not revoke lease {} ({}): {}; it expires at {}",
                    name(),
                    lease.id(),
                    why,
                    describe(e),
                    lease.expiresAt());
        }
    }

    // ---------------------------------------------------------------- status

    /** The live expiry of the lease in force (renewals move it), not the one the credentials were issued with. */
    @Override
    protected Optional<Instant> expiryOf(Credentials v) {
        synchronized (lock) {
            if (current != null && current.credentials == v) {
                return Optional.of(current.lease.expiresAt());
            }
        }
        return v.expiresAt();
    }

    /** How many predecessors still wait for their consumers' hand-off; for tests. */
    int handOffsPending() {
        synchronized (lock) {
            return (int) retiring.stream()
                    .filter(p -> p.handOff != null && !p.handedOff && !p.revoked)
                    .count();
        }
    }

    /** The id of the lease in force, if any; for tests. */
    Optional<String> currentLeaseId() {
        synchronized (lock) {
            return Optional.ofNullable(current).map(h -> h.id);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void scheduleNextLocked(Duration delay, Runnable task) {
        cancelNextLocked();
        long token = ++nextToken;
        next = later(delay, () -> {
            synchronized (lock) {
                if (token != nextToken || stopped) {
                    return;
                }
                next = null;
            }
            task.run();
        });
    }

    /**
     * Runs {@code task} after {@code delay}: the scheduler thread only keeps time, the task (which calls
     * ScaiVault and may wait for the client's whole call budget) runs on an I/O thread, so a slow server
     * never delays the token refreshes and other sources sharing the scheduler.
     */
    private Scheduler.Cancellable later(Duration delay, Runnable task) {
        return scheduler.schedule(delay, () -> io.execute(Threads.guarded(() -> runTask(task))));
    }

    private void cancelNextLocked() {
        if (next != null) {
            next.cancel();
            next = null;
        }
        nextToken++;
    }

    private void runTask(Runnable task) {
        work.lock();
        try {
            task.run();
        } finally {
            work.unlock();
        }
    }

    private boolean isStopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    /**
     * {@code expiry - threshold * base}, base the lease's original duration, or the renewal increment when
     * that is shorter (otherwise every renewal would land below the threshold).
     */
    private Instant rotateAt(Held h) {
        Duration base = increment != null ? LeaseTiming.min(h.original, increment) : h.original;
        return h.lease.expiresAt().minus(LeaseTiming.scale(base, threshold));
    }

    private void fire(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException | Error e) {
            log.warn(
                    "{}: lease event listener {} failed",
                    name(),
                    events.getClass().getName(),
                    e);
        }
    }

    private SecretUnavailableException closedError() {
        return new SecretUnavailableException("source " + name() + " is closed");
    }

    private Duration retryAfterAtLeast(Duration delay, RuntimeException e) {
        if (e instanceof ScaiVaultApiException a && a.retryAfter().isPresent()) {
            return LeaseTiming.notBeforeRetryAfter(delay, a.retryAfter().get(), random);
        }
        return delay;
    }

    /** Servers report whole seconds; a grant within this of the ask is a full grant. */
    private static Duration tolerance(Duration asked) {
        return LeaseTiming.min(Duration.ofSeconds(1), asked.dividedBy(10));
    }

    private static boolean atMax(Lease l) {
        return l.maxExpiresAt().map(m -> !l.expiresAt().isBefore(m)).orElse(false);
    }

    private static Lease strip(Lease l) {
        return l.data().isEmpty() ? l : l.toBuilder().data(Map.of()).build();
    }

    static String describe(RuntimeException e) {
        if (e instanceof ScaiVaultApiException a) {
            return "ScaiVault answered " + a.status() + " " + a.code()
                    + a.requestId().map(r -> " (request " + r + ")").orElse("") + ": " + a.getMessage();
        }
        if (e instanceof ScaiVaultIoException) {
            return "ScaiVault unreachable: " + e.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /**
     * The API with any {@link Error} of a call (an allocation failing on an absurd answer, say) turned into
     * a failure like any other: every caller here handles {@link RuntimeException} by scheduling the next
     * attempt, and an error passing through instead would end the schedule for good.
     */
    private static final class Contained implements DynamicSecrets {
        private final DynamicSecrets api;

        Contained(DynamicSecrets api) {
            this.api = api;
        }

        @Override
        public Lease generate(String engine, String role, Duration ttl) {
            try {
                return api.generate(engine, role, ttl);
            } catch (Error e) {
                throw unexpected(e);
            }
        }

        @Override
        public Lease renew(String leaseId, Duration increment) {
            try {
                return api.renew(leaseId, increment);
            } catch (Error e) {
                throw unexpected(e);
            }
        }

        @Override
        public void revoke(String leaseId) {
            try {
                api.revoke(leaseId);
            } catch (Error e) {
                throw unexpected(e);
            }
        }

        @Override
        public Lease lookup(String leaseId) {
            try {
                return api.lookup(leaseId);
            } catch (Error e) {
                throw unexpected(e);
            }
        }

        private static ScaiVaultException unexpected(Error e) {
            return new ScaiVaultException(
                    "the call failed unexpectedly: " + e.getClass().getName(), e);
        }
    }

    /** One lease this source holds. Mutable fields are guarded by the source's lock. */
    private static final class Held {
        final String id;
        final Duration original;
        final Credentials credentials;
        volatile Lease lease;
        boolean renewable;
        Duration grace;
        volatile boolean gone;
        volatile boolean revoked;
        CompletableFuture<Void> handOff;
        volatile boolean handedOff;
        Scheduler.Cancellable revokeTask;
        int revokeFailures;
        /** The revocation in flight, if any; guarded by the source's lock. */
        CompletableFuture<Void> revoking;

        Held(String id, Duration original, Credentials credentials, Lease lease) {
            this.id = id;
            this.original = original;
            this.credentials = credentials;
            this.lease = lease;
        }
    }

    /** Configures a {@link LeasedCredentialSource}. */
    public static final class Builder {
        private final DynamicSecrets api;
        private final String engine;
        private final String role;
        private Duration ttl;
        private Duration increment;
        private double rotateThreshold = 0.20;
        private Scheduler scheduler = Scheduler.system();
        private Duration maxHandOffWait;
        private Duration closeTimeout = Duration.ofSeconds(10);
        private LeaseEvents events = new LeaseEvents() {};
        private boolean startWithoutValue;
        private RandomGenerator random;
        private Executor io;

        private Builder(DynamicSecrets api, String engine, String role) {
            this.api = Objects.requireNonNull(api, "api");
            this.engine = requireName(engine, "engine");
            this.role = requireName(role, "role");
        }

        /** The life to ask for at generate; {@code null} (the default) for the engine's default TTL. */
        public Builder ttl(Duration ttl) {
            this.ttl = ttl == null ? null : requirePositive(ttl, "ttl");
            return this;
        }

        /** The life to ask for at each renewal; {@code null} (the default) for the lease's original duration. */
        public Builder increment(Duration increment) {
            this.increment = increment == null ? null : requirePositive(increment, "increment");
            return this;
        }

        /**
         * When the remaining life falls below this fraction of the lease's original duration, the successor is
         * acquired (default 0.20). Larger values give consumers more overlap to drain the old credentials.
         */
        public Builder rotateThreshold(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException(
                        "rotateThreshold must be a fraction between 0 and 1 (exclusive), got " + fraction);
            }
            this.rotateThreshold = fraction;
            return this;
        }

        /**
         * What keeps time for the background work; default {@link Scheduler#system()}, shared by every source
         * (the calls to ScaiVault themselves run on {@code scaivault-lease-io} threads).
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * The longest a predecessor waits for its consumers' hand-off before it is revoked anyway; default
         * unbounded, that is until the predecessor's own expiry (revocation ends the role's sessions, so an
         * early revoke would cut off a long transaction still running on the old credentials).
         */
        public Builder maxHandOffWait(Duration maxHandOffWait) {
            if (maxHandOffWait != null && maxHandOffWait.isNegative()) {
                throw new IllegalArgumentException("maxHandOffWait must not be negative, got " + maxHandOffWait);
            }
            this.maxHandOffWait = maxHandOffWait;
            return this;
        }

        /** How long {@link LeasedCredentialSource#close()} waits for revocations; default 10 s. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = requirePositive(closeTimeout, "closeTimeout");
            return this;
        }

        /** Receives lease lifecycle events (metrics, health). */
        public Builder listener(LeaseEvents listener) {
            this.events = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Whether {@link #build()} may return a source without a value when the first lease cannot be
         * generated (it then keeps trying in the background). Default false: fail closed.
         */
        public Builder startWithoutValue(boolean allow) {
            this.startWithoutValue = allow;
            return this;
        }

        /** The jitter source; tests pass a seeded one. */
        Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Where tasks call ScaiVault; tests pass {@code Runnable::run} to stay on virtual time. */
        Builder executor(Executor io) {
            this.io = Objects.requireNonNull(io, "io");
            return this;
        }

        /**
         * Generates the first lease on the calling thread and starts keeping it alive.
         *
         * @throws SecretUnavailableException naming the engine, role, the server's code and request id, when
         *     the first lease cannot be generated (unless {@link #startWithoutValue(boolean)})
         */
        public LeasedCredentialSource build() {
            LeasedCredentialSource s = new LeasedCredentialSource(this);
            s.start(startWithoutValue);
            return s;
        }

        private static String requireName(String value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isBlank() || value.contains("/")) {
                throw new IllegalArgumentException(what + " must be a non-blank name without '/', got '" + value + "'");
            }
            return value;
        }

        private static Duration requirePositive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
