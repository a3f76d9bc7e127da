package dev.scaivault.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * Virtual time for tests: nothing runs until {@link #advance} or {@link #runDue}, and then every task whose
 * time has come runs on the calling thread, in time order, with the clock set to the task's due time.
 */
public final class ManualScheduler implements Scheduler {
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private final ManualClock clock;
    private long seq;

    public ManualScheduler(Instant start) {
        this.clock = new ManualClock(start);
    }

    public ManualScheduler() {
        this(Instant.parse("2026-12-01T00:00:00Z"));
    }

    @Override
    public Clock clock() {
        return clock;
    }

    public Instant now() {
        return clock.instant();
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        Task t = new Task(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), seq++, task);
        queue.add(t);
        return () -> {
            synchronized (ManualScheduler.this) {
                queue.remove(t);
            }
        };
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way. */
    public void advance(Duration d) {
        Instant end = clock.instant().plus(d);
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.at.isAfter(end)) {
                    break;
                }
                queue.poll();
                if (next.at.isAfter(clock.instant())) {
                    clock.set(next.at);
                }
            }
            next.task.run();
        }
        synchronized (this) {
            if (end.isAfter(clock.instant())) {
                clock.set(end);
            }
        }
    }

    /** Runs what is due now without moving time. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    public synchronized int pending() {
        return queue.size();
    }

    /** When the earliest pending task is due, or {@code null}. */
    public synchronized Instant nextDue() {
        Task t = queue.peek();
        return t == null ? null : t.at;
    }

    private record Task(Instant at, long seq, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** A clock that only moves when told. */
    public static final class ManualClock extends Clock {
        private volatile Instant now;

        public ManualClock(Instant start) {
            this.now = start;
        }

        public void set(Instant instant) {
            this.now = instant;
        }

        public void advance(Duration d) {
            this.now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
