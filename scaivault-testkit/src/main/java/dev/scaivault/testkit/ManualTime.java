package dev.scaivault.testkit;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Virtual time for tests: a clock that only moves when told to, and a scheduler that runs nothing until then.
 * Give it to a client, a source or a binding as {@code Time.of(time, time)} and hours of renewals, token
 * refreshes, back-offs and polls run in milliseconds, deterministically, on the test's thread.
 *
 * <ul>
 *   <li>{@link #advance(Duration)} moves the clock forward, running every task that falls due on the way, in
 *       time order, with the clock set to each task's due instant; {@link #runDue()} runs what is due now.
 *   <li>{@link #execute(Runnable)} (the blocking work a {@code Time.of(...)} hands to its scheduler) is due at
 *       once: it runs at the next advance, never on the calling thread, as background work should.
 *   <li>A thread that waits for a pending task ({@code get()} on its future, as {@code Time.sleep} does)
 *       moves the clock to that task's due instant, running whatever falls due before it: waiting is
 *       advancing, so a retry loop on virtual time never blocks the test.
 *   <li>{@link #shutdown()} drops the pending tasks; nothing else changes.
 * </ul>
 *
 * <p>Thread-safe; tasks run on the thread that advances time, one at a time.
 */
public final class ManualTime extends AbstractExecutorService implements ScheduledExecutorService, InstantSource {
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private final List<Duration> waits = new ArrayList<>();
    private volatile Instant now;
    private long seq;
    private boolean shutdown;

    /** Virtual time starting at {@code start}. */
    public ManualTime(Instant start) {
        this.now = start;
    }

    /** Virtual time starting at 2026-12-01T00:00:00Z. */
    public ManualTime() {
        this(Instant.parse("2026-12-01T00:00:00Z"));
    }

    @Override
    public Instant instant() {
        return now;
    }

    /** The same as {@link #instant()}. */
    public Instant now() {
        return now;
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way. */
    public void advance(Duration d) {
        advanceTo(now.plus(d));
    }

    /**
     * Moves the clock forward by {@code d} without running what falls due on the way, as if the process had
     * been suspended: those tasks run, late, at the next {@link #advance} or {@link #runDue()}.
     */
    public void skip(Duration d) {
        synchronized (this) {
            now = now.plus(d);
        }
    }

    /**
     * Every wait a thread made for a pending task of this time ({@code get()} on its future, which is how
     * {@code Time.sleep} waits), in order: what a retry loop on this time slept.
     */
    public List<Duration> waits() {
        synchronized (waits) {
            return List.copyOf(waits);
        }
    }

    /** Runs what is due now, without moving time. */
    public void runDue() {
        advanceTo(now);
    }

    /** How many tasks wait for their time. */
    public synchronized int pending() {
        return queue.size();
    }

    /** When the earliest pending task is due, or {@code null} if none is. */
    public synchronized Instant nextDue() {
        Task<?> t = queue.peek();
        return t == null ? null : t.at;
    }

    private void advanceTo(Instant end) {
        while (true) {
            Task<?> next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.at.isAfter(end)) {
                    break;
                }
                queue.poll();
                if (next.at.isAfter(now)) {
                    now = next.at;
                }
            }
            next.run();
        }
        synchronized (this) {
            if (end.isAfter(now)) {
                now = end;
            }
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return enqueue(new FutureTask<>(command, null), delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return enqueue(new FutureTask<>(callable), delay, unit);
    }

    /** Runs every {@code period} after {@code initialDelay}, as long as time is advanced, until cancelled. */
    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return repeat(command, initialDelay, period, unit);
    }

    /** On virtual time a task takes no time: the same as {@link #scheduleAtFixedRate}. */
    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return repeat(command, initialDelay, delay, unit);
    }

    private ScheduledFuture<?> repeat(Runnable command, long initialDelay, long period, TimeUnit unit) {
        if (period <= 0) {
            throw new IllegalArgumentException("period must be positive, not " + period);
        }
        Repeating r = new Repeating(command, unit.toNanos(period));
        r.next = enqueue(new FutureTask<>(r, null), initialDelay, unit);
        return r;
    }

    private <V> Task<V> enqueue(FutureTask<V> work, long delay, TimeUnit unit) {
        synchronized (this) {
            Task<V> t = new Task<>(work, now.plusNanos(Math.max(0, unit.toNanos(delay))), seq++);
            if (!shutdown) {
                queue.add(t);
            }
            return t;
        }
    }

    /**
     * Hands {@code command} over as due now: it runs at the next {@link #advance} or {@link #runDue()} (or a wait
     * for a task of this time), never on the calling thread, so background work stays in the background.
     */
    @Override
    public void execute(Runnable command) {
        enqueue(new FutureTask<>(command, null), 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        queue.clear();
    }

    @Override
    public List<Runnable> shutdownNow() {
        synchronized (this) {
            List<Runnable> dropped = new ArrayList<Runnable>(queue);
            shutdown();
            return dropped;
        }
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isShutdown();
    }

    @Override
    public <T> List<java.util.concurrent.Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) {
        List<java.util.concurrent.Future<T>> out = new ArrayList<>();
        for (Callable<T> c : tasks) {
            FutureTask<T> f = new FutureTask<>(c);
            f.run();
            out.add(f);
        }
        return out;
    }

    @Override
    public String toString() {
        return "ManualTime{" + now + ", " + pending() + " pending}";
    }

    /** A scheduled task; waiting for it advances time to it. */
    private final class Task<V> implements ScheduledFuture<V>, Runnable {
        final FutureTask<V> work;
        final Instant at;
        final long order;

        Task(FutureTask<V> work, Instant at, long order) {
            this.work = work;
            this.at = at;
            this.order = order;
        }

        @Override
        public void run() {
            work.run();
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(now, at));
        }

        @Override
        public int compareTo(Delayed o) {
            if (o instanceof Task<?> t) {
                int c = at.compareTo(t.at);
                return c != 0 ? c : Long.compare(order, t.order);
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (ManualTime.this) {
                queue.remove(this);
            }
            return work.cancel(mayInterruptIfRunning);
        }

        @Override
        public boolean isCancelled() {
            return work.isCancelled();
        }

        @Override
        public boolean isDone() {
            return work.isDone();
        }

        @Override
        public V get() throws InterruptedException, ExecutionException {
            if (!work.isDone()) {
                synchronized (waits) {
                    waits.add(Duration.between(now, at));
                }
                advanceTo(at);
            }
            if (!work.isDone() && !work.isCancelled()) {
                throw new IllegalStateException("a task of virtual time was waited for but did not run: " + at);
            }
            return work.get();
        }

        @Override
        public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            Instant limit = now.plusNanos(unit.toNanos(timeout));
            if (!work.isDone()) {
                advanceTo(at.isBefore(limit) ? at : limit);
            }
            if (!work.isDone()) {
                throw new TimeoutException("virtual time reached " + now + " before the task's " + at);
            }
            return work.get();
        }
    }

    /** A periodic task: reschedules itself after each run until cancelled. */
    private final class Repeating implements ScheduledFuture<Object>, Runnable {
        final Runnable command;
        final long periodNanos;
        volatile ScheduledFuture<?> next;
        volatile boolean cancelled;

        Repeating(Runnable command, long periodNanos) {
            this.command = command;
            this.periodNanos = periodNanos;
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            command.run();
            if (!cancelled) {
                next = enqueue(new FutureTask<>(this, null), periodNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return next.getDelay(unit);
        }

        @Override
        public int compareTo(Delayed o) {
            return next.compareTo(o);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            cancelled = true;
            return next.cancel(mayInterruptIfRunning);
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled;
        }

        @Override
        public Object get() {
            throw new CancellationException("a periodic task completes only by being cancelled");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return get();
        }
    }
}
