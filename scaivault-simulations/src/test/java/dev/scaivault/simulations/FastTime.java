package dev.scaivault.simulations;

import dev.scaivault.internal.Scheduler;
import dev.scaivault.internal.Threads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A world that runs {@code factor} times faster than real time: one clock shared by the dev server (so its
 * per-minute token buckets, lease expiries and {@code Retry-After} are in this time) and by every client
 * (deadlines, call budgets, renewal schedules, retry sleeps). Nothing else changes: rate limits keep their
 * documented per-minute values, only a simulated minute passes in {@code 60 / factor} real seconds.
 *
 * <p>The scheduler is one daemon thread shared by every client, as {@link Scheduler#system()} is.
 */
final class FastTime implements Scheduler, AutoCloseable {
    private final double factor;
    private final Instant origin;
    private final long originNanos = System.nanoTime();
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }

        @Override
        public Instant instant() {
            return now();
        }
    };
    private final ScheduledThreadPoolExecutor executor;

    FastTime(double factor) {
        this.factor = factor;
        this.origin = Instant.now();
        this.executor = new ScheduledThreadPoolExecutor(1, Threads.daemonFactory("scaivault-scheduler-fast"));
        executor.setRemoveOnCancelPolicy(true);
    }

    double factor() {
        return factor;
    }

    Instant origin() {
        return origin;
    }

    Instant now() {
        return origin.plusNanos((long) ((System.nanoTime() - originNanos) * factor));
    }

    /** Simulated time since the start. */
    Duration elapsed() {
        return Duration.between(origin, now());
    }

    /** The real time that {@code simulated} takes. */
    Duration real(Duration simulated) {
        return Duration.ofNanos((long) (simulated.toNanos() / factor));
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        long nanos = delay.isNegative() ? 0 : (long) (Math.min(delay.toNanos(), Long.MAX_VALUE / 4) / factor);
        var f = executor.schedule(Threads.guarded(task), nanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    /** Sleeps {@code simulated} in this world's time. */
    void sleep(Duration simulated) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(real(simulated).toNanos());
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
