package dev.scaivault.simulations;

import dev.scaivault.Time;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A world that runs {@code factor} times faster than real time: one clock shared by the dev server (so its
 * per-minute token buckets, lease expiries and {@code Retry-After} are in this time) and by every client
 * (deadlines, call budgets, renewal schedules, retry waits). Nothing else changes: rate limits keep their
 * documented per-minute values, only a simulated minute passes in {@code 60 / factor} real seconds.
 *
 * <p>It is a {@link ScheduledExecutorService} whose delays are simulated time: one daemon timer thread shared
 * by every client, as {@link Time#system()}'s is, and a pool of real threads for the calls ({@link #time()}).
 */
final class FastTime extends AbstractExecutorService implements ScheduledExecutorService, InstantSource, AutoCloseable {
    private final double factor;
    private final Instant origin;
    private final long originNanos = System.nanoTime();
    private final ScheduledThreadPoolExecutor timers;
    private final ExecutorService io = Executors.newCachedThreadPool(Time.daemons("scaivault-io-fast"));

    FastTime(double factor) {
        this.factor = factor;
        this.origin = Instant.now();
        this.timers = new ScheduledThreadPoolExecutor(1, Time.daemons("scaivault-scheduler-fast"));
        timers.setRemoveOnCancelPolicy(true);
    }

    /** The clients' time: this clock and these timers, and real threads for the calls they make. */
    Time time() {
        return Time.of(this, this, io);
    }

    double factor() {
        return factor;
    }

    Instant origin() {
        return origin;
    }

    @Override
    public Instant instant() {
        return now();
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

    private long realNanos(long delay, TimeUnit unit) {
        return delay <= 0 ? 0 : (long) (Math.min(unit.toNanos(delay), Long.MAX_VALUE / 4) / factor);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return timers.schedule(command, realNanos(delay, unit), TimeUnit.NANOSECONDS);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return timers.schedule(callable, realNanos(delay, unit), TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return timers.scheduleAtFixedRate(
                command, realNanos(initialDelay, unit), Math.max(1, realNanos(period, unit)), TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return timers.scheduleWithFixedDelay(
                command, realNanos(initialDelay, unit), Math.max(1, realNanos(delay, unit)), TimeUnit.NANOSECONDS);
    }

    @Override
    public void execute(Runnable command) {
        timers.execute(command);
    }

    @Override
    public void shutdown() {
        timers.shutdown();
        io.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        io.shutdownNow();
        return timers.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return timers.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return timers.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return timers.awaitTermination(timeout, unit);
    }

    @Override
    public void close() {
        shutdownNow();
    }
}
