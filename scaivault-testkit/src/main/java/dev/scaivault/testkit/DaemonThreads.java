package dev.scaivault.testkit;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The testkit cannot use the client's Threads helper (the client's tests depend on the testkit). */
final class DaemonThreads {
    private DaemonThreads() {}

    static ThreadFactory factory(String role) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "scaivault-" + role + '-' + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
