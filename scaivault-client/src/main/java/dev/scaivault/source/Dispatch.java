package dev.scaivault.source;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery threads shared by every source in the JVM. Each source gets a serial view, so its listeners see
 * changes one at a time and in order, while no source owns a thread of its own. Idle threads die after a
 * few seconds, so a closed source leaves nothing running.
 */
final class Dispatch {
    private static final Logger log = LoggerFactory.getLogger(Dispatch.class);
    private static final ExecutorService SHARED = newPool();

    private Dispatch() {}

    private static ExecutorService newPool() {
        return new ThreadPoolExecutor(
                0,
                Integer.MAX_VALUE,
                5,
                TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                dev.scaivault.Time.daemons("scaivault-dispatch"));
    }

    static Executor serial() {
        return new Serial(SHARED);
    }

    /** Runs submitted tasks one at a time, in submission order, on the shared pool. */
    private static final class Serial implements Executor {
        private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean();
        private final Executor pool;

        Serial(Executor pool) {
            this.pool = pool;
        }

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
            schedule();
        }

        private void schedule() {
            if (!tasks.isEmpty() && running.compareAndSet(false, true)) {
                pool.execute(this::drain);
            }
        }

        private void drain() {
            try {
                Runnable r;
                while ((r = tasks.poll()) != null) {
                    try {
                        r.run();
                    } catch (RuntimeException | Error e) {
                        // The next task (another source's change) must still run.
                        log.error("dispatch task failed", e);
                    }
                }
            } finally {
                running.set(false);
                // A task added between the last poll and the reset must not be stranded.
                schedule();
            }
        }
    }
}
