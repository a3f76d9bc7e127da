package dev.scaivault.lease;

import dev.scaivault.Backoff;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The lease schedule as pure functions of durations, so every rule can be tested on its own. The formulas
 * follow Vault's {@code LifetimeWatcher}; {@code docs/leases.md} explains why each one is what it is.
 */
final class LeaseSchedule {
    /** Below this no retry is scheduled, so retries near an expiry stay finite (the back-off's own floor). */
    static final Duration MIN_DELAY = Duration.ofMillis(10);

    /** Once a lease has expired the application has nothing that works: retry at least this often. */
    static final Duration AFTER_EXPIRY_CAP = Duration.ofSeconds(30);

    private static final Duration INITIAL_FLOOR = Duration.ofMillis(50);
    private static final Duration INITIAL_CEILING = Duration.ofSeconds(10);
    private static final Duration CAP_CEILING = Duration.ofMinutes(5);

    private LeaseSchedule() {}

    /**
     * A random 10-20 % of the shorter of the granted duration and the asked increment: the jitter that spreads
     * a fleet's renewals, and (as in LifetimeWatcher) the share of a lease we never plan to renew into.
     */
    static Duration grace(Duration granted, Duration increment, RandomGenerator random) {
        Duration base = increment != null && increment.compareTo(granted) < 0 ? increment : granted;
        return scale(base, 0.10 + 0.10 * random.nextDouble());
    }

    /**
     * {@code 2/3 * remaining + 1/3 * grace}: two thirds leaves a third of the life for retries, and because
     * each renewal lands at two thirds of what is left, retries get denser as the end nears; the grace term
     * adds 3.3-6.7 % of the lease as jitter.
     */
    static Duration renewDelay(Duration remaining, Duration grace) {
        return Duration.ofNanos(nanos(remaining) / 3 * 2 + nanos(grace) / 3);
    }

    /** First retry ceiling: a 40th of the lease, between 50 ms (4 s test leases) and 10 s (hour-long ones). */
    static Duration initialBackoff(Duration leaseDuration) {
        return clamp(leaseDuration.dividedBy(40), INITIAL_FLOOR, INITIAL_CEILING);
    }

    /** Largest retry ceiling: a quarter of the lease, at most 5 minutes. */
    static Duration maxBackoff(Duration leaseDuration) {
        Duration initial = initialBackoff(leaseDuration);
        return clamp(leaseDuration.dividedBy(4), initial, CAP_CEILING);
    }

    /**
     * The back-off of a lease of {@code leaseDuration}: from {@link #initialBackoff} doubling to {@link
     * #maxBackoff}, with full jitter (the library's one {@link Backoff}).
     */
    static Backoff backoff(Duration leaseDuration, RandomGenerator random) {
        return Backoff.exponential(initialBackoff(leaseDuration), maxBackoff(leaseDuration))
                .withRandom(random);
    }

    /** Never wait past half of what is left, so the next attempt still happens while the lease is valid. */
    static Duration withinRemaining(Duration delay, Duration remaining) {
        return max(min(delay, remaining.dividedBy(2)), MIN_DELAY);
    }

    static Duration scale(Duration d, double factor) {
        return Duration.ofNanos((long) (nanos(d) * factor));
    }

    static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration clamp(Duration d, Duration lo, Duration hi) {
        return max(lo, min(d, hi));
    }

    private static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE / 4;
        }
    }
}
