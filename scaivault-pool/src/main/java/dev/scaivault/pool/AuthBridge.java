package dev.scaivault.pool;

import dev.scaivault.SecretUnavailableException;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A binding's answer to "the database refused a new connection's credentials": ask the source for fresher
 * ones and wait for them, within the budget, on the thread that opens the connection (the pool's, or a
 * caller's for a {@link CredentialDataSource}).
 */
final class AuthBridge {
    // Logged as the binding: it is the binding's decision users read about.
    private static final Logger log = LoggerFactory.getLogger(PoolBinding.class);
    static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final long MAX_BRIDGE_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    // A refresh may cost the source a round trip or a new lease; failing logins must not turn into a storm.
    private static final long MIN_REFRESH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String poolName;
    private final SecretSource<Credentials> source;
    private final long budgetNanos;
    private final BooleanSupplier closed;
    private final Supplier<Credentials> applied;
    private final Consumer<Consumer<RotationListener>> tell;

    /*
     * Locks and conditions, not monitors: a thread bridging a refused login waits here, and it is an
     * application thread (getConnection), maybe a virtual one, which Object.wait would pin to its carrier.
     */
    private final ReentrantLock changeLock = new ReentrantLock();
    private final Condition changed = changeLock.newCondition();
    private final ReentrantLock refreshLock = new ReentrantLock();
    private CompletableFuture<Credentials> refreshInFlight; // guarded by refreshLock
    private long lastRefreshNanos; // guarded by refreshLock

    private final AtomicInteger bridging = new AtomicInteger();
    private final AtomicLong bridged = new AtomicLong();

    AuthBridge(
            String poolName,
            SecretSource<Credentials> source,
            long budgetNanos,
            BooleanSupplier closed,
            Supplier<Credentials> applied,
            Consumer<Consumer<RotationListener>> tell) {
        this.poolName = poolName;
        this.source = source;
        this.budgetNanos = budgetNanos;
        this.closed = closed;
        this.applied = applied;
        this.tell = tell;
    }

    long budgetNanos() {
        return budgetNanos;
    }

    /** Whether a refused login is waiting for fresher credentials right now. */
    boolean inProgress() {
        return bridging.get() > 0;
    }

    /** Refused logins that were bridged (or tried to be), for the metrics. */
    long bridged() {
        return bridged.get();
    }

    /** The source brought a change: logins waiting for one look again at once. */
    void changed() {
        changeLock.lock();
        try {
            changed.signalAll();
        } finally {
            changeLock.unlock();
        }
    }

    /**
     * Fresher credentials after {@code failure} of a login with {@code failed}, or {@code null}: not an
     * authentication failure, bridging off, the binding closed, or nothing new by {@code deadlineNanos}.
     */
    Credentials bridge(Credentials failed, SQLException failure, long deadlineNanos) {
        Optional<SQLException> auth = AuthFailures.find(failure);
        if (auth.isEmpty() || closed.getAsBoolean() || budgetNanos <= 0) {
            return null;
        }
        bridged.incrementAndGet();
        bridging.incrementAndGet();
        try {
            return bridgeFrom(failed, auth.get(), deadlineNanos);
        } finally {
            bridging.decrementAndGet();
        }
    }

    private Credentials bridgeFrom(Credentials failed, SQLException auth, long deadlineNanos) {
        String why = AuthFailures.describe(auth);
        log.info(
                "pool {}: a new connection with the credentials of {} failed authentication ({});"
                        + " asking source {} for fresher ones",
                poolName,
                failed.origin(),
                why,
                source.name());
        long backoff = FIRST_BACKOFF_NANOS;
        while (!closed.getAsBoolean()) {
            Credentials better = fresherThan(failed);
            long remaining = deadlineNanos - System.nanoTime();
            if (better == null && remaining > 0) {
                awaitRefresh(Math.min(backoff, remaining));
                better = fresherThan(failed);
            }
            if (better != null) {
                tell.accept(l -> l.onAuthFailureBridged(why, true));
                return better;
            }
            remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0 || Thread.currentThread().isInterrupted()) {
                break;
            }
            awaitChange(Math.min(backoff, remaining));
            backoff = Math.min(MAX_BRIDGE_BACKOFF_NANOS, backoff * 2);
        }
        log.warn(
                "pool {}: source {} brought no other credentials within authFailureBudget {}; the pool"
                        + " retries on its own",
                poolName,
                source.name(),
                Duration.ofNanos(budgetNanos));
        tell.accept(l -> l.onAuthFailureBridged(why, false));
        return null;
    }

    private Credentials fresherThan(Credentials failed) {
        Credentials fromSource = sourceCurrentOrNull();
        if (fromSource != null && !fromSource.sameSecretAs(failed)) {
            return fromSource;
        }
        Credentials now = applied.get();
        return now != null && !now.sameSecretAs(failed) ? now : null;
    }

    Credentials sourceCurrentOrNull() {
        try {
            return source.current();
        } catch (SecretUnavailableException e) {
            return null;
        }
    }

    /** One refresh in flight per binding, and at most one a second, however many logins fail at once. */
    private void awaitRefresh(long nanos) {
        CompletableFuture<Credentials> f;
        boolean fresh = false;
        refreshLock.lock();
        try {
            long now = System.nanoTime();
            boolean idle = refreshInFlight == null || refreshInFlight.isDone();
            if (idle && (refreshInFlight == null || now - lastRefreshNanos >= MIN_REFRESH_INTERVAL_NANOS)) {
                lastRefreshNanos = now;
                fresh = true;
                try {
                    // A file source re-reads on this thread: a lock, not a monitor, lets it block unpinned.
                    refreshInFlight = source.refreshNow();
                } catch (RuntimeException e) {
                    refreshInFlight = CompletableFuture.failedFuture(e);
                }
            }
            f = refreshInFlight;
        } finally {
            refreshLock.unlock();
        }
        if (!fresh && f.isDone()) {
            // Asked a moment ago already: the source's next change wakes us sooner than a new request.
            awaitChange(nanos);
            return;
        }
        try {
            f.get(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.debug(
                    "pool {}: refresh of source {} failed: {}",
                    poolName,
                    source.name(),
                    e.getCause().getClass().getName());
        } catch (TimeoutException e) {
            // The next round asks again or sees the change.
        }
    }

    private void awaitChange(long nanos) {
        changeLock.lock();
        try {
            changed.awaitNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            changeLock.unlock();
        }
    }
}
