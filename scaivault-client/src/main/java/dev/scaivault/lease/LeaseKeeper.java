package dev.scaivault.lease;

import dev.scaivault.Backoff;
import dev.scaivault.DynamicSecrets;
import dev.scaivault.Lease;
import dev.scaivault.ScaiVaultApiException;
import dev.scaivault.ScaiVaultException;
import dev.scaivault.ScaiVaultIoException;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Time;
import dev.scaivault.source.AbstractSecretSource;
import dev.scaivault.source.Credentials;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source {@link LeaseSource} builds: acquires a lease, renews it on {@link LeaseSchedule}'s schedule,
 * acquires its successor early, publishes it, and hands the predecessor to {@link Retirement}. Every task
 * runs on the time's I/O executor, one at a time ({@link #work}); the scheduler only keeps time.
 */
final class LeaseKeeper extends AbstractSecretSource<Credentials> {
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
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
    private final Time time;
    private final Duration closeTimeout;
    private final LeaseListener events;
    private final RandomGenerator random;
    private final Retirement retirement;

    /** Guards the fields below; never held across a call to ScaiVault. */
    private final Object lock = new Object();
    /** Serializes the background tasks even on a scheduler with more than one thread. */
    private final ReentrantLock work = new ReentrantLock();

    private Held current;
    private ScheduledFuture<?> next;
    private long nextToken;
    private ScheduledFuture<?> expiryWatch;
    private int failures;
    private boolean acquiring;
    private boolean stopped;
    private final List<CompletableFuture<Credentials>> refreshWaiters = new ArrayList<>();
    private Instant lastReplacedOnRefresh;
    private boolean refreshQueued;

    LeaseKeeper(LeaseSource.Builder b, DynamicSecrets api) {
        super("lease:" + b.engine + "/" + b.role, b.time.clock());
        // The schedule below is the retry policy; the client's own retries would multiply every attempt.
        this.api = new ContainedApi(api.singleAttempt());
        this.startApi = new ContainedApi(api);
        this.engine = b.engine;
        this.role = b.role;
        this.ttl = b.ttl;
        this.increment = b.increment;
        this.threshold = b.rotateThreshold;
        this.time = b.time;
        this.closeTimeout = b.closeTimeout;
        this.events = b.listener;
        this.random = b.random;
        this.retirement = new Retirement(name(), this.api, time, b.maxHandOffWait, random, events);
    }

    // ---------------------------------------------------------------- startup

    void start(boolean startWithoutValue) {
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
            }
        }
        if (isStopped()) {
            // close() ran while we were generating: this lease is ours alone to revoke.
            retirement.revokeQuietly(h.lease, "the source closed while it was being acquired");
            return closedError();
        }
        fire(l -> l.created(h.lease));
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
            fire(l -> l.rotated(prev.lease, h.lease));
            retirement.retire(prev, handOff);
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
        Backoff backoff = LeaseSchedule.backoff(scale, random);
        if (!predecessorValid && e instanceof ScaiVaultApiException a && a.status() == 429) {
            // The identity's bucket is empty and every pod sharing it is waiting: back off as far as a pod
            // without credentials may (the after-expiry cap), so a fleet's 429s thin out as the wait grows.
            backoff = Backoff.exponential(
                            backoff.initial(), LeaseSchedule.max(backoff.max(), LeaseSchedule.AFTER_EXPIRY_CAP))
                    .withRandom(random);
        }
        Duration delay = backoff.delay(n);
        delay = predecessorValid
                ? LeaseSchedule.withinRemaining(delay, prev.lease.remainingAt(now))
                : LeaseSchedule.min(delay, LeaseSchedule.AFTER_EXPIRY_CAP);
        delay = backoff.notBeforeRetryAfter(delay, e);
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
        fire(l -> l.error(msg, e));
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
            retirement.revokeQuietly(lease, "it is unusable");
            throw new ScaiVaultException(
                    "lease " + g.id() + " for engine '" + engine + "' role '" + role + "' " + problem);
        }
        Held h = new Held(g.id(), g.duration(), Credentials.of(user, pass, "lease " + g.id(), g.expiresAt()), lease);
        h.renewable = g.renewable() && !atMax(g);
        h.grace = LeaseSchedule.grace(g.duration(), increment, random);
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
                Instant renewAt = now.plus(LeaseSchedule.renewDelay(h.lease.remainingAt(now), h.grace));
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
                fire(l -> l.renewalFailed(before, e, Duration.ZERO));
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
                h.grace = LeaseSchedule.grace(r.duration(), asked, random);
            } else {
                h.renewable = false;
            }
        }
        recordSuccess();
        fire(l -> l.renewed(r));
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
        Backoff backoff = LeaseSchedule.backoff(h.original, random);
        Duration delay = backoff.notBeforeRetryAfter(
                LeaseSchedule.withinRemaining(backoff.delay(n), h.lease.remainingAt(now)), e);
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
        fire(l -> l.renewalFailed(lease, e, retryIn));
        synchronized (lock) {
            scheduleNextLocked(retryIn, () -> check(h));
        }
    }

    private void watchExpiryLocked(Held h) {
        if (expiryWatch != null) {
            expiryWatch.cancel(false);
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
        fire(l -> l.expired(h.lease));
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
        Held held;
        List<CompletableFuture<Credentials>> waiters;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            cancelNextLocked();
            if (expiryWatch != null) {
                expiryWatch.cancel(false);
            }
            held = current;
            waiters = new ArrayList<>(refreshWaiters);
            refreshWaiters.clear();
        }
        waiters.forEach(w -> w.completeExceptionally(closedError()));
        super.close();
        retirement.closeAll(held, closeTimeout);
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
        return retirement.handOffsPending();
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
     * Runs {@code task} after {@code delay} on the time's I/O executor, one task of this source at a time: the
     * scheduler thread only keeps time, so a slow server never delays the token refreshes and other sources
     * sharing it.
     */
    private ScheduledFuture<?> later(Duration delay, Runnable task) {
        return time.schedule(delay, () -> {
            work.lock();
            try {
                task.run();
            } finally {
                work.unlock();
            }
        });
    }

    private void cancelNextLocked() {
        if (next != null) {
            next.cancel(false);
            next = null;
        }
        nextToken++;
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
        Duration base = increment != null ? LeaseSchedule.min(h.original, increment) : h.original;
        return h.lease.expiresAt().minus(LeaseSchedule.scale(base, threshold));
    }

    private void fire(Consumer<LeaseListener> event) {
        fire(name(), events, event);
    }

    /** Calls {@code listener}; whatever it throws is logged and otherwise ignored, as its contract says. */
    static void fire(String name, LeaseListener listener, Consumer<LeaseListener> event) {
        try {
            event.accept(listener);
        } catch (RuntimeException | Error e) {
            log.warn("{}: lease listener {} failed", name, listener.getClass().getName(), e);
        }
    }

    private SecretUnavailableException closedError() {
        return new SecretUnavailableException("source " + name() + " is closed");
    }

    /** Servers report whole seconds; a grant within this of the ask is a full grant. */
    private static Duration tolerance(Duration asked) {
        return LeaseSchedule.min(Duration.ofSeconds(1), asked.dividedBy(10));
    }

    private static boolean atMax(Lease l) {
        return l.maxExpiresAt().map(m -> !l.expiresAt().isBefore(m)).orElse(false);
    }

    private static Lease strip(Lease l) {
        return l.data().isEmpty() ? l : l.toBuilder().data(Map.of()).build();
    }

    static String describe(Throwable e) {
        if (e instanceof ScaiVaultApiException a) {
            return "ScaiVault answered " + a.status() + " " + a.code()
                    + a.requestId().map(r -> " (request " + r + ")").orElse("") + ": " + a.getMessage();
        }
        if (e instanceof ScaiVaultIoException) {
            return "ScaiVault unreachable: " + e.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
