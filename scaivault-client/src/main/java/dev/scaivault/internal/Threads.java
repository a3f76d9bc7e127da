package dev.scaivault.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Not API. Every thread this library starts is a daemon named {@code scaivault-<role>-<n>}. */
public final class Threads {
    private static final Logger log = LoggerFactory.getLogger(Threads.class);

    private Threads() {}

    public static ThreadFactory daemonFactory(String prefix) {
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

    /**
     * Wraps a background task so that whatever it throws is logged instead of silently killing a timer or a
     * thread shared by every source in the JVM.
     */
    public static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("background task {} failed", task.getClass().getName(), e);
            }
        };
    }
}
