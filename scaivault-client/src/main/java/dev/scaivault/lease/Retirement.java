package dev.scaivault.lease;

import dev.scaivault.DynamicSecrets;
import dev.scaivault.Lease;
import dev.scaivault.Time;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The predecessors of a keeper's lease: each is revoked once every consumer has handed it off, or at its
 * expiry at the latest (or after {@code maxHandOffWait}); a failed revocation is retried with the lease's
 * back-off on the time's scheduler while the lease is valid; {@link #closeAll} revokes what is left.
 */
final class Retirement {
    private static final Logger log = LoggerFactory.getLogger(Retirement.class);

    private final String name;
    private final DynamicSecrets api;
    private final Time time;
    private final Duration maxHandOffWait;
    private final RandomGenerator random;
    private final LeaseListener listener;

    private final Object lock = new Object();
    private final List<Held> retiring = new ArrayList<>(); // guarded by lock
    private boolean stopped; // guarded by lock

    /** @param maxHandOffWait the longest a predecessor waits for its hand-off, or {@code null}: until its expiry */
    Retirement(
            String name,
            DynamicSecrets api,
            Time time,
            Duration maxHandOffWait,
            RandomGenerator random,
            LeaseListener listener) {
        this.name = name;
        this.api = api;
        this.time = time;
        this.maxHandOffWait = maxHandOffWait;
        this.random = random;
        this.listener = listener;
    }

    /** {@code prev} was replaced; it is revoked when {@code handOff} completes, or at the latest instant. */
    void retire(Held prev, CompletableFuture<Void> handOff) {
        Instant now = time.now();
        Instant latest = prev.lease.expiresAt();
        if (maxHandOffWait != null && now.plus(maxHandOffWait).isBefore(latest)) {
            latest = now.plus(maxHandOffWait);
        }
        synchronized (lock) {
            if (stopped) {
                return;
            }
            retiring.add(prev);
            prev.handOff = handOff;
            prev.revokeAtLatest =
                    time.schedule(Duration.between(now, latest), () -> revoke(prev, "no hand-off before its expiry"));
        }
        handOff.thenRun(() -> {
            prev.handedOff = true;
            time.schedule(Duration.ZERO, () -> revoke(prev, "hand-off complete"));
        });
    }

    /** Starts the revocation of {@code p} (once), retried while it fails and the lease is still valid. */
    private void revoke(Held p, String why) {
        synchronized (lock) {
            if (stopped || p.revoked || p.revocationStarted) {
                return;
            }
            p.revocationStarted = true;
            if (p.revokeAtLatest != null) {
                p.revokeAtLatest.cancel(false);
            }
        }
        if (p.gone) {
            done(p, why, true);
            return;
        }
        LeaseSchedule.backoff(p.original, random)
                .retry(
                        "revoke " + p.id,
                        time.scheduler(),
                        Integer.MAX_VALUE,
                        e -> {
                            boolean retry = !isStopped() && time.now().isBefore(p.lease.expiresAt());
                            if (retry) {
                                log.warn(
                                        "{}: revocation of lease {} failed ({}); retrying",
                                        name,
                                        p.id,
                                        LeaseKeeper.describe(e));
                            }
                            return retry;
                        },
                        // The next attempt while the lease is still valid: never past half of what is left.
                        d -> LeaseSchedule.withinRemaining(d, p.lease.remainingAt(time.now())),
                        () -> attempt(p))
                .whenComplete((revoked, e) -> {
                    if (e == null) {
                        if (revoked) {
                            done(p, why, false);
                        }
                    } else if (!isStopped()) {
                        synchronized (lock) {
                            retiring.remove(p);
                            p.revoked = true;
                        }
                        log.warn(
                                "{}: could not revoke lease {} before its expiry at {} ({}); the server drops it at"
                                        + " expiry",
                                name,
                                p.id,
                                p.lease.expiresAt(),
                                LeaseKeeper.describe(e));
                    }
                });
    }

    /**
     * One revocation call: true once it succeeded; false, without a call, when the keeper closed meanwhile
     * (close() then revokes, once).
     */
    private CompletionStage<Boolean> attempt(Held p) {
        CompletableFuture<Void> attempt = new CompletableFuture<>();
        synchronized (lock) {
            if (stopped || p.revoked) {
                return CompletableFuture.completedFuture(false);
            }
            p.revoking = attempt;
        }
        time.io().execute(() -> {
            try {
                api.revoke(p.id);
                attempt.complete(null);
            } catch (RuntimeException e) {
                attempt.completeExceptionally(e);
            } finally {
                synchronized (lock) {
                    if (p.revoking == attempt) {
                        p.revoking = null;
                    }
                }
            }
        });
        return attempt.thenApply(v -> true);
    }

    private void done(Held p, String why, boolean gone) {
        synchronized (lock) {
            p.revoked = true;
            retiring.remove(p);
        }
        if (!gone) {
            LeaseKeeper.fire(name, listener, l -> l.revoked(p.lease));
        }
        log.info("{}: lease {} {} ({})", name, p.id, gone ? "was already gone" : "revoked", why);
    }

    /** Revokes {@code lease} now, once; a failure is logged (it expires on its own). */
    void revokeQuietly(Lease lease, String why) {
        try {
            api.revoke(lease.id());
            LeaseKeeper.fire(name, listener, l -> l.revoked(lease));
            log.info("{}: lease {} revoked ({})", name, lease.id(), why);
        } catch (RuntimeException e) {
            log.warn(
                    "{}: could not revoke lease {} ({}): {}; it expires at {}",
                    name,
                    lease.id(),
                    why,
                    LeaseKeeper.describe(e),
                    lease.expiresAt());
        }
    }

    /** How many predecessors still wait for their consumers' hand-off. */
    int handOffsPending() {
        synchronized (lock) {
            return (int) retiring.stream()
                    .filter(p -> p.handOff != null && !p.handedOff && !p.revoked)
                    .count();
        }
    }

    /**
     * Stops every timer and revokes {@code current} (if any) and every predecessor not yet revoked, waiting at
     * most {@code closeTimeout}. A revocation already in flight is waited for, never sent twice.
     */
    void closeAll(Held current, Duration closeTimeout) {
        List<Held> held = new ArrayList<>();
        List<Held> mine = new ArrayList<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        synchronized (lock) {
            stopped = true;
            if (current != null) {
                held.add(current);
            }
            held.addAll(retiring);
            held.removeIf(p -> p.gone || p.revoked);
            for (Held p : held) {
                if (p.revokeAtLatest != null) {
                    p.revokeAtLatest.cancel(false);
                }
                if (p.revoking == null) {
                    p.revoking = new CompletableFuture<>();
                    mine.add(p);
                }
                all.add(p.revoking);
            }
        }
        if (all.isEmpty()) {
            return;
        }
        if (!mine.isEmpty()) {
            // A real thread even on virtual time: close() waits at most closeTimeout, in real time, for a
            // server that may hang, and must be able to walk away from it.
            Time.system().io().execute(() -> {
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
            });
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, closeTimeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
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
                        name,
                        closeTimeout,
                        pending);
            }
        }
    }

    private boolean isStopped() {
        synchronized (lock) {
            return stopped;
        }
    }
}
