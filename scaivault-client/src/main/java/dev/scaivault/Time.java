package dev.scaivault;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the library takes its time from: a clock, a scheduler for its timers, and an executor for work that
 * blocks on I/O. Every client, source and pool binding takes one; everything built from a client inherits
 * the client's. The one seam to replace when a test should run hours of renewals in milliseconds: pass
 * {@code Time.of(manualTime, manualTime)} with the testkit's {@code ManualTime} (virtual time), or your
 * own clock and scheduler.
 *
 * <p>{@link #system()}, the default, is shared by the whole JVM: the system clock, one daemon scheduler
 * thread {@code scaivault-scheduler-1} that only keeps time (a timer's work is handed to {@link #io()}),
 * and daemon {@code scaivault-io-<n>} threads for calls to ScaiVault and file reads, which end after a few
 * idle seconds, so nothing is left running once the sources are closed. Do not shut these executors down:
 * every client and source of the JVM shares them.
 */
public final class Time {
    private static final Logger log = LoggerFactory.getLogger(Time.class);
    private static final Time SYSTEM = new Time(Clock.systemUTC(), SystemThreads.SCHEDULER, SystemThreads.IO);

    private final InstantSource clock;
    private final ScheduledExecutorService scheduler;
    private final Executor io;

    private Time(InstantSource clock, ScheduledExecutorService scheduler, Executor io) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.io = io;
    }

    /** The system clock and the JVM-wide daemon threads. */
    public static Time system() {
        return SYSTEM;
    }

    /**
     * {@code clock} and {@code scheduler}, the scheduler also running the blocking work (so a scheduler of
     * virtual time runs everything when its time comes, on the thread that advances it).
     */
    public static Time of(InstantSource clock, ScheduledExecutorService scheduler) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(scheduler, "scheduler");
        return new Time(clock, scheduler, scheduler);
    }

    /** The clock every time the library records or compares is read from. */
    public InstantSource clock() {
        return clock;
    }

    /** Runs the timers: tasks that are short, or that hand their work to {@link #io()}. */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Runs work that may block on the network or the disk. */
    public Executor io() {
        return io;
    }

    /**
     * {@code clock} and {@code scheduler} for the timers, {@code io} for the blocking work: time that runs at
     * another pace (a simulation), with real threads for the calls.
     */
    public static Time of(InstantSource clock, ScheduledExecutorService scheduler, Executor io) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(io, "io");
        return new Time(clock, scheduler, io);
    }

    /** {@link #clock()}'s instant. */
    public Instant now() {
        return clock.instant();
    }

    /**
     * Runs {@code task} on {@link #io()} after {@code delay} (at once when it is zero or negative); the
     * returned future cancels it if it has not started.
     */
    public ScheduledFuture<?> schedule(Duration delay, Runnable task) {
        Runnable contained = () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                // The threads are shared by every source in the JVM: a task's failure must not end one.
                log.error("background task {} failed", task.getClass().getName(), e);
            }
        };
        return scheduler.schedule(() -> io.execute(contained), nanos(delay), TimeUnit.NANOSECONDS);
    }

    /**
     * Waits {@code delay} on this time's scheduler: a real wait on the system time; on virtual time, the
     * scheduler's future decides (the testkit's {@code ManualTime} moves its clock to the wake-up instant).
     *
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public void sleep(Duration delay) throws InterruptedException {
        if (delay.isNegative() || delay.isZero()) {
            return;
        }
        try {
            scheduler.schedule(() -> {}, nanos(delay), TimeUnit.NANOSECONDS).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("an empty task failed", e);
        }
    }

    private static long nanos(Duration d) {
        try {
            return Math.max(0, d.toNanos());
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE / 2;
        }
    }

    @Override
    public String toString() {
        return this == SYSTEM ? "Time.system()" : "Time.of(" + clock + ", " + scheduler + ")";
    }

    /** The JVM-wide threads of {@link #system()}, made on first use. */
    private static final class SystemThreads {
        static final ScheduledExecutorService SCHEDULER = scheduler();
        static final Executor IO = new ThreadPoolExecutor(
                0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS, new SynchronousQueue<>(), daemons("scaivault-io"));

        private static ScheduledExecutorService scheduler() {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, daemons("scaivault-scheduler"));
            s.setRemoveOnCancelPolicy(true);
            s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            return s;
        }
    }

    /**
     * Daemon threads named {@code <prefix>-<n>}, as every thread of this library is (for the modules built on
     * it, such as the pool bindings).
     *
     * @throws IllegalArgumentException if {@code prefix} does not start with {@code scaivault-}
     */
    public static ThreadFactory daemons(String prefix) {
        if (!prefix.startsWith("scaivault-")) {
            throw new IllegalArgumentException("thread names start with scaivault-: " + prefix);
        }
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + '-' + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
