package dev.scaivault;

import dev.scaivault.Protocol.IssuedToken;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one bearer token of a client. A token is used until the earlier of its expiry minus a margin and
 * {@code maxAge} after we obtained it (50 minutes at most, whatever the server says); it is replaced in the
 * background before then; and however many threads need a token at the same moment, at most one request for a
 * new one is in flight.
 */
final class TokenCache implements Http.Tokens, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenCache.class);
    static final Duration MAX_AGE_CAP = Duration.ofMinutes(50);
    /** The first wait after a dead-on-arrival token; it doubles with each one in a row, up to the cap. */
    static final Duration DEAD_ON_ARRIVAL_FLOOR = Duration.ofSeconds(1);

    static final Duration DEAD_ON_ARRIVAL_CAP = Duration.ofMinutes(1);
    /** Retries of a failed background refresh, each also within a quarter of the token's usable life left. */
    private static final Backoff BACKOFF = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));
    /** Background exchanges are at least this far apart, however short-lived the tokens the server grants. */
    static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(1);

    /** Obtains a new token: a static one, a client-credentials grant, or a workload identity exchange. */
    interface Source {
        IssuedToken fetch();

        /** Names the source in logs and errors, without any secret: {@code kubernetes token /var/run/...}. */
        String describe();

        /** False for a static token: there is nothing to renew in the background. */
        default boolean renewable() {
            return true;
        }
    }

    private record Entry(String value, Instant issuedAt, Instant usableUntil, Instant refreshAt) {
        @Override
        public String toString() {
            return "Entry{issuedAt=" + issuedAt + ", usableUntil=" + usableUntil + '}';
        }
    }

    private final Source source;
    private final InstantSource clock;
    private final Time time;
    private final Duration maxAge;
    private final Duration margin;
    private final Duration waitLimit;
    private final Object lock = new Object();

    private volatile Entry current;
    private CompletableFuture<Entry> inflight; // guarded by lock
    private ScheduledFuture<?> scheduled; // guarded by lock
    /*
     * After answers whose token was dead on arrival (a lifetime of zero or less), no exchange before this:
     * taking the answer at its word would mean exchanging again at once, tens of times a second.
     */
    private Instant notBefore; // guarded by lock
    private int deadOnArrival; // guarded by lock
    private int backgroundFailures; // guarded by lock
    private ScaiVaultException lastDeadOnArrival; // guarded by lock
    private volatile boolean closed;
    private volatile Instant lastRefresh;
    private volatile long refreshes;

    /**
     * The background refresh runs on {@code time}'s I/O executor, not its scheduler thread, which the whole
     * JVM's leases and tokens share, while an exchange may hang for the whole call budget on a slow server.
     */
    TokenCache(Source source, Time time, Duration maxAge, Duration margin, Duration waitLimit) {
        if (maxAge.compareTo(MAX_AGE_CAP) > 0 || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException(
                    "token max age " + maxAge + " is out of range: it must be positive and at most " + MAX_AGE_CAP);
        }
        this.source = source;
        this.time = time;
        this.clock = time.clock();
        this.maxAge = maxAge;
        this.margin = margin;
        this.waitLimit = waitLimit;
    }

    @Override
    public String token() {
        Entry e = current;
        if (e != null && clock.instant().isBefore(e.usableUntil)) {
            return e.value;
        }
        return obtain(false).value;
    }

    @Override
    public void invalidate(String token) {
        synchronized (lock) {
            Entry e = current;
            if (e != null && e.value.equals(token)) {
                current = null;
                log.info("bearer token from {} was refused by ScaiVault; obtaining a new one", source.describe());
            }
        }
    }

    /** When the token in use was obtained, if there is one. */
    Instant tokenIssuedAt() {
        Entry e = current;
        return e == null ? null : e.issuedAt;
    }

    long refreshes() {
        return refreshes;
    }

    Instant lastRefresh() {
        return lastRefresh;
    }

    /**
     * Returns a usable token, obtaining one if needed. {@code background} forces a new token even while the
     * current one is still usable (the refresh ahead of time); a caller's thread never does that.
     */
    private Entry obtain(boolean background) {
        CompletableFuture<Entry> f;
        boolean leader = false;
        synchronized (lock) {
            Entry e = current;
            Instant now = clock.instant();
            if (!background && e != null && now.isBefore(e.usableUntil)) {
                return e;
            }
            if (notBefore != null && now.isBefore(notBefore)) {
                if (background) {
                    return null;
                }
                throw new ScaiVaultException(
                        lastDeadOnArrival.getMessage() + "; next exchange not before " + notBefore, lastDeadOnArrival);
            }
            if (inflight == null) {
                inflight = new CompletableFuture<>();
                leader = true;
            } else if (background) {
                return null;
            }
            f = inflight;
        }
        if (leader) {
            fetchInto(f);
        }
        return await(f);
    }

    private void fetchInto(CompletableFuture<Entry> f) {
        try {
            IssuedToken t = source.fetch();
            Instant now = clock.instant();
            if (t.expiresAt() != null && !t.expiresAt().isAfter(now)) {
                f.completeExceptionally(deadOnArrival(Duration.between(now, t.expiresAt()), now));
                return;
            }
            Entry e = entry(t);
            synchronized (lock) {
                current = e;
                inflight = null;
                notBefore = null;
                deadOnArrival = 0;
                backgroundFailures = 0;
            }
            refreshes++;
            lastRefresh = e.issuedAt;
            log.debug("new bearer token from {}, usable until {}", source.describe(), e.usableUntil);
            scheduleRefresh(e.refreshAt);
            f.complete(e);
        } catch (RuntimeException | Error ex) {
            // Whatever went wrong (an allocation too, reading an absurd answer), the next caller must be able to
            // try again: a marker left set would block every exchange for good.
            synchronized (lock) {
                inflight = null;
            }
            f.completeExceptionally(ex);
        }
    }

    /** A token that is already expired on arrival: not used, and the next exchange held back with back-off. */
    private ScaiVaultException deadOnArrival(Duration life, Instant now) {
        ScaiVaultException error;
        Instant next;
        int n;
        synchronized (lock) {
            inflight = null;
            n = ++deadOnArrival;
            Duration wait = DEAD_ON_ARRIVAL_FLOOR.multipliedBy(1L << Math.min(6, n - 1));
            if (wait.compareTo(DEAD_ON_ARRIVAL_CAP) > 0) {
                wait = DEAD_ON_ARRIVAL_CAP;
            }
            next = now.plus(wait);
            notBefore = next;
            error = new ScaiVaultException(source.describe() + ": the answer's token has a lifetime of "
                    + life.toMillis() + " ms (expires_in zero or less, or expires_at already past): not used");
            lastDeadOnArrival = error;
            n = deadOnArrival;
        }
        log.warn("{}; {} such answers in a row, next exchange not before {}", error.getMessage(), n, next);
        scheduleRefresh(next);
        return error;
    }

    private Entry await(CompletableFuture<Entry> f) {
        try {
            return f.get(waitLimit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ScaiVaultException s) {
                throw s;
            }
            throw new ScaiVaultException("cannot obtain a bearer token from " + source.describe(), c);
        } catch (TimeoutException e) {
            throw new ScaiVaultIoException(
                    "timed out after " + waitLimit + " waiting for a bearer token from " + source.describe(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScaiVaultIoException("interrupted waiting for a bearer token", true, e);
        }
    }

    private Entry entry(IssuedToken t) {
        Instant issued = clock.instant();
        Instant cap = issued.plus(maxAge);
        Instant until = cap;
        if (t.expiresAt() != null) {
            Instant byExpiry = t.expiresAt().minus(margin);
            if (!byExpiry.isAfter(issued)) {
                // A token shorter-lived than the margin: use the first half of its life.
                byExpiry = issued.plus(Duration.between(issued, t.expiresAt()).dividedBy(2));
            }
            if (byExpiry.isBefore(until)) {
                until = byExpiry;
            }
        }
        // Replace at 80% of the usable life, leaving room for a retry or two before the old one is unusable.
        Instant refreshAt =
                issued.plus(Duration.between(issued, until).multipliedBy(4).dividedBy(5));
        if (refreshAt.isBefore(issued.plus(MIN_REFRESH_INTERVAL))) {
            refreshAt = issued.plus(MIN_REFRESH_INTERVAL);
        }
        return new Entry(t.value(), issued, until, refreshAt);
    }

    private void scheduleRefresh(Instant at) {
        if (!source.renewable()) {
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (scheduled != null) {
                scheduled.cancel(false);
            }
            scheduled = time.schedule(Duration.between(clock.instant(), at), this::refreshInBackground);
        }
    }

    private void refreshInBackground() {
        if (closed) {
            return;
        }
        try {
            obtain(true);
        } catch (RuntimeException | Error e) {
            Instant held;
            synchronized (lock) {
                held = notBefore;
            }
            if (held != null) {
                return; // a dead-on-arrival answer: deadOnArrival(...) already scheduled the next attempt
            }
            Entry e0 = current;
            Instant now = clock.instant();
            if (e0 == null || !now.isBefore(e0.usableUntil)) {
                log.warn("background token refresh from {} failed: {}", source.describe(), e.getMessage());
                return; // the next caller will try again in the foreground
            }
            Duration left = Duration.between(now, e0.usableUntil);
            // Retry more often as the end nears, but not in a tight loop: the last second is the caller's.
            Duration quarter = left.dividedBy(4);
            if (quarter.compareTo(Duration.ofSeconds(1)) < 0) {
                log.warn("background token refresh from {} failed: {}", source.describe(), e.getMessage());
                return;
            }
            int n;
            synchronized (lock) {
                n = ++backgroundFailures;
            }
            Duration retryIn = max(Duration.ofSeconds(1), min(BACKOFF.delay(n, e), quarter));
            log.warn(
                    "background token refresh from {} failed: {}; current token usable for {} s more, retrying in {} ms",
                    source.describe(),
                    e.getMessage(),
                    left.toSeconds(),
                    retryIn.toMillis());
            scheduleRefresh(now.plus(retryIn));
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }
}
