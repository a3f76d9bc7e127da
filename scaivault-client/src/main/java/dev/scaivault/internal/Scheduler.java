package dev.scaivault.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Not API. Time and timers for background work, injectable so tests can run hours of renewals in
 * milliseconds. {@link #system()} is one daemon thread shared by the whole JVM: tasks must be short or
 * bounded by a timeout, because every lease and token refresh in the process shares it.
 */
public interface Scheduler {

    /** The clock every deadline of this scheduler is measured on. */
    Clock clock();

    /** Runs {@code task} once after {@code delay} (at once when it is zero or negative). */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task that has not run yet can be cancelled; cancelling later has no effect. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /** The shared scheduler on the system clock: one daemon thread named {@code scaivault-scheduler-1}. */
    static Scheduler system() {
        return SystemScheduler.INSTANCE;
    }

    /** The shared scheduler's thread, on the system clock. */
    final class SystemScheduler implements Scheduler {
        static final SystemScheduler INSTANCE = new SystemScheduler();

        private final ScheduledThreadPoolExecutor executor;

        private SystemScheduler() {
            executor = new ScheduledThreadPoolExecutor(1, Threads.daemonFactory("scaivault-scheduler"));
            executor.setRemoveOnCancelPolicy(true);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }

        @Override
        public Clock clock() {
            return Clock.systemUTC();
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            long nanos = Math.max(0, saturatedNanos(delay));
            var f = executor.schedule(Threads.guarded(task), nanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        private static long saturatedNanos(Duration d) {
            try {
                return d.toNanos();
            } catch (ArithmeticException e) {
                return d.isNegative() ? 0 : Long.MAX_VALUE / 2;
            }
        }
    }
}
