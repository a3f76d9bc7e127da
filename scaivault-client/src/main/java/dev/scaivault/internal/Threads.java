package dev.scaivault.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Not API. Every thread this library starts is a daemon named {@code scaivault-<role>-<n>}. */
public final class Threads {
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
}
