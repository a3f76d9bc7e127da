package dev.scaivault.examples.rotationdemo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What happened while one delivery path was in force. */
final class PathStats {
    final String name;
    final LongAdder queriesOk = new LongAdder();
    final LongAdder queriesFailed = new LongAdder();
    final AtomicInteger rotations = new AtomicInteger();
    final AtomicInteger handOffs = new AtomicInteger();
    final AtomicInteger handOffTimeouts = new AtomicInteger();
    final AtomicInteger bridgedAuthFailures = new AtomicInteger();
    final ConcurrentLinkedQueue<Long> propagationNanos = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> drainNanos = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> firstFailures = new ConcurrentLinkedQueue<>();
    volatile String firstOrigin;

    PathStats(String name) {
        this.name = name;
    }

    void failed(String why) {
        queriesFailed.increment();
        if (firstFailures.size() < 3) {
            firstFailures.add(why);
        }
    }

    /** The {@code q} quantile in milliseconds (nearest rank), or {@code null} without samples. */
    static Double quantileMs(ConcurrentLinkedQueue<Long> nanos, double q) {
        List<Long> sorted = new ArrayList<>(nanos);
        if (sorted.isEmpty()) {
            return null;
        }
        Collections.sort(sorted);
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        long v = sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        return Math.round(v / 10_000.0) / 100.0;
    }
}
